"""Key the search index by latitude band, so a search reads its bounding box and no more.

A (latitude, longitude) index serves a box by reading every location in the box's
latitude range across the whole country; band-then-longitude reads a few short ranges.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import F, IntegerField
from django.db.models.functions import Cast, Floor

LAT_BAND_DEGREES = 0.25  # geo.LAT_BAND_DEGREES when this migration was written


def fill_lat_bands(apps: Any, schema_editor: Any) -> None:
    location_model = apps.get_model("directory", "PracticeLocation")
    location_model.objects.using(schema_editor.connection.alias).filter(
        latitude__isnull=False, longitude__isnull=False
    ).update(lat_band=Cast(Floor(F("latitude") / LAT_BAND_DEGREES), IntegerField()))


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0003_location_unit_vector"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="practicelocation",
            name="location_unit_vector_matches_coordinates",
        ),
        migrations.RemoveIndex(
            model_name="practicelocation",
            name="location_lat_lng_unit_idx",
        ),
        migrations.AddField(
            model_name="practicelocation",
            name="lat_band",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_lat_bands, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="practicelocation",
            index=models.Index(
                fields=["lat_band", "longitude", "latitude", "unit_x", "unit_y", "unit_z", "id"],
                name="location_band_lng_unit_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="practicelocation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("latitude__isnull", True),
                    ("longitude__isnull", True),
                    models.Q(
                        ("unit_x__isnull", False),
                        ("unit_y__isnull", False),
                        ("unit_z__isnull", False),
                        ("lat_band__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="location_search_keys_match_coordinates",
            ),
        ),
    ]
