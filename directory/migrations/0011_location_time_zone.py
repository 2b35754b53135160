"""Give every practice location a time zone, taken from its ZIP (directory.time_zones)."""

from collections import defaultdict

from django.db import migrations, models

import directory.time_zones


def fill_time_zones(apps, schema_editor):
    """One UPDATE per zone over the locations' distinct (ZIP, state) pairs, not one per row."""
    location = apps.get_model("directory", "PracticeLocation")
    codes_by_zone = defaultdict(set)
    pairs = location.objects.filter(time_zone="").values_list("postal_code", "state").distinct()
    for postal_code, state in pairs.iterator():
        codes_by_zone[directory.time_zones.zone_for_address(postal_code, state)].add((postal_code, state))
    for zone, pairs_here in codes_by_zone.items():
        for state in {state for _, state in pairs_here}:
            codes = [code for code, in_state in pairs_here if in_state == state]
            for start in range(0, len(codes), 500):
                location.objects.filter(
                    time_zone="", state=state, postal_code__in=codes[start : start + 500]
                ).update(time_zone=zone)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0010_practice_enrolled_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="practicelocation",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text="Visits here are booked and shown in this zone. Left blank, it is taken from the ZIP.",
                max_length=64,
                validators=[directory.time_zones.validate_time_zone],
            ),
        ),
        migrations.RunPython(fill_time_zones, migrations.RunPython.noop),
    ]
