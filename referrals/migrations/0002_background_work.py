import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_catalog"),
        ("referrals", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notificationoutbox",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="notificationoutbox",
            name="recipient_kind",
            field=models.CharField(
                choices=[
                    ("clinician", "Referring clinician"),
                    ("practice", "Practice staff"),
                    ("patient", "Patient"),
                ],
                max_length=16,
            ),
        ),
        migrations.CreateModel(
            name="AppointmentReminder",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hours_before", models.PositiveSmallIntegerField()),
                ("starts_at", models.DateTimeField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "appointment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminders",
                        to="referrals.appointment",
                    ),
                ),
                (
                    "notification",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="referrals.notificationoutbox",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("appointment", "hours_before", "starts_at"), name="reminder_once_per_offset"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PracticeDigest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("follow_ups", models.PositiveIntegerField()),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="digests",
                        to="directory.practice",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("practice", "day"), name="digest_once_per_day")
                ],
            },
        ),
    ]
