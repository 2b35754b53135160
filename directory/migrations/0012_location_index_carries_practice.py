"""The location search index also carries the practice, so routing's enrolment test reads no table rows.

The new index is built before the old one is dropped, so searches always have one.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0011_location_time_zone"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="practicelocation",
            index=models.Index(
                fields=["lat_band", "longitude", "latitude", "unit_x", "unit_y", "unit_z", "id", "practice"],
                name="location_band_lng_prac_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="practicelocation",
            name="location_band_lng_unit_idx",
        ),
    ]
