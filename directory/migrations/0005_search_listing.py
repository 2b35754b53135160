"""The search listing: one row per listed provider at each located location.

Searches read this table alone (see directory.search_index). An existing directory is
listed by 0007, which gave the rows their final shape; every write keeps it in step.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0004_location_latitude_band"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchListing",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("lat_band", models.IntegerField()),
                ("latitude", models.FloatField()),
                ("longitude", models.FloatField()),
                ("unit_x", models.FloatField()),
                ("unit_y", models.FloatField()),
                ("unit_z", models.FloatField()),
                ("accepting_new_patients", models.BooleanField()),
                ("procedure_bits", models.BigIntegerField(default=0)),
                ("condition_bits", models.BigIntegerField(default=0)),
                ("language_bits", models.BigIntegerField(default=0)),
                ("earlier1_x", models.FloatField(null=True)),
                ("earlier1_y", models.FloatField(null=True)),
                ("earlier1_z", models.FloatField(null=True)),
                ("earlier2_x", models.FloatField(null=True)),
                ("earlier2_y", models.FloatField(null=True)),
                ("earlier2_z", models.FloatField(null=True)),
                ("many_places", models.BooleanField(default=False)),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.practicelocation",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.provider",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=[
                            "lat_band",
                            "longitude",
                            "latitude",
                            "unit_x",
                            "unit_y",
                            "unit_z",
                            "provider",
                            "location",
                            "accepting_new_patients",
                            "procedure_bits",
                            "condition_bits",
                            "language_bits",
                            "many_places",
                            "earlier1_x",
                            "earlier1_y",
                            "earlier1_z",
                            "earlier2_x",
                            "earlier2_y",
                            "earlier2_z",
                        ],
                        name="search_listing_box_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("provider", "location"), name="search_listing_once_per_place"
                    )
                ],
            },
        ),
    ]
