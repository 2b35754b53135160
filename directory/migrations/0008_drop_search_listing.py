"""Drop the search listing, its grid cells and its version: the directory search reads the
directory tables themselves (``directory.selectors.providers_near``)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_search_cells"),
    ]

    operations = [
        migrations.DeleteModel(name="SearchCell"),
        migrations.DeleteModel(name="SearchListingVersion"),
        migrations.DeleteModel(name="SearchListing"),
    ]
