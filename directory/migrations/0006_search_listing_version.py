"""The search listing's version token: cached search answers are keyed by it."""

import uuid
from typing import Any

from django.db import migrations, models


def first_version(apps: Any, schema_editor: Any) -> None:
    version = apps.get_model("directory", "SearchListingVersion")
    version.objects.using(schema_editor.connection.alias).create(pk=1, token=uuid.uuid4().hex)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_search_listing"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchListingVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
            ],
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
