"""Grid cells for the search listing: rows carry their cell, and cells total the lead rows.

The listing is emptied first (it is derived data, so nothing is lost and the schema
change copies no rows). It used to be filled again here; 0008 drops it (the directory
search reads the directory tables themselves), so it is left empty.
"""

from typing import Any

from django.db import migrations, models


def empty_listing(apps: Any, schema_editor: Any) -> None:
    apps.get_model("directory", "SearchListing").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_search_listing_version"),
    ]

    operations = [
        migrations.RunPython(empty_listing, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="searchlisting", name="search_listing_box_idx"),
        migrations.RemoveField(model_name="searchlisting", name="lat_band"),
        migrations.AddField(
            model_name="searchlisting",
            name="cell_lat",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="searchlisting",
            name="cell_lng",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="searchlisting",
            name="lead",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="searchlisting",
            index=models.Index(
                fields=[
                    "cell_lat",
                    "cell_lng",
                    "longitude",
                    "latitude",
                    "unit_x",
                    "unit_y",
                    "unit_z",
                    "lead",
                    "accepting_new_patients",
                    "procedure_bits",
                    "condition_bits",
                    "language_bits",
                    "provider",
                    "location",
                ],
                name="search_listing_cell_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="searchlisting",
            index=models.Index(
                condition=models.Q(("lead", False)),
                fields=[
                    "cell_lat",
                    "cell_lng",
                    "longitude",
                    "latitude",
                    "unit_x",
                    "unit_y",
                    "unit_z",
                    "lead",
                    "many_places",
                    "provider",
                    "accepting_new_patients",
                    "procedure_bits",
                    "condition_bits",
                    "language_bits",
                    "earlier1_x",
                    "earlier1_y",
                    "earlier1_z",
                    "earlier2_x",
                    "earlier2_y",
                    "earlier2_z",
                ],
                name="search_listing_others_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="searchlisting",
            index=models.Index(
                condition=models.Q(("many_places", True)),
                fields=[
                    "cell_lat",
                    "cell_lng",
                    "longitude",
                    "latitude",
                    "unit_x",
                    "unit_y",
                    "unit_z",
                    "many_places",
                    "provider",
                    "accepting_new_patients",
                    "procedure_bits",
                    "condition_bits",
                    "language_bits",
                ],
                name="search_listing_many_idx",
            ),
        ),
        migrations.CreateModel(
            name="SearchCell",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("level", models.PositiveSmallIntegerField()),
                ("cell_lat", models.IntegerField()),
                ("cell_lng", models.IntegerField()),
                ("leads", models.IntegerField(default=0)),
                ("accepting_leads", models.IntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["level", "cell_lat", "cell_lng", "leads", "accepting_leads"],
                        name="search_cell_sum_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("level", "cell_lat", "cell_lng"), name="search_cell_once")
                ],
            },
        ),
    ]
