"""Store each location's unit vector on the sphere, so searches test distance with arithmetic.

The backfill is one UPDATE computed by the database; the covering indexes let the radius
test and the provider join be answered from indexes alone.
"""

from typing import Any

from django.db import migrations, models
from django.db.models.functions import Cos, Radians, Sin

LOCATION_PROVIDER_INDEX = "provider_locations_location_provider_idx"


def fill_unit_vectors(apps: Any, schema_editor: Any) -> None:
    location_model = apps.get_model("directory", "PracticeLocation")
    phi, lam = Radians("latitude"), Radians("longitude")
    location_model.objects.using(schema_editor.connection.alias).filter(
        latitude__isnull=False, longitude__isnull=False
    ).update(unit_x=Cos(phi) * Cos(lam), unit_y=Cos(phi) * Sin(lam), unit_z=Sin(phi))


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_catalog"),
    ]

    operations = [
        migrations.AddField(
            model_name="practicelocation",
            name="unit_x",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="practicelocation",
            name="unit_y",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="practicelocation",
            name="unit_z",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_unit_vectors, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="practicelocation",
            name="location_lat_lng_idx",
        ),
        migrations.AddIndex(
            model_name="practicelocation",
            index=models.Index(
                fields=["latitude", "longitude", "unit_x", "unit_y", "unit_z", "id"],
                name="location_lat_lng_unit_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="practicelocation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("latitude__isnull", True),
                    ("longitude__isnull", True),
                    models.Q(("unit_x__isnull", False), ("unit_y__isnull", False), ("unit_z__isnull", False)),
                    _connector="OR",
                ),
                name="location_unit_vector_matches_coordinates",
            ),
        ),
        # The auto-created provider <-> location table indexes each column alone; searches go
        # from a location to its providers, and this pair answers that without reading rows.
        migrations.RunSQL(
            f"CREATE INDEX {LOCATION_PROVIDER_INDEX} "
            "ON directory_provider_locations (practicelocation_id, provider_id)",
            f"DROP INDEX {LOCATION_PROVIDER_INDEX}",
        ),
    ]
