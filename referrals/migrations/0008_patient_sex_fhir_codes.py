"""Store the patient's sex as FHIR administrative-gender codes (docs/api.md, Referrals)."""

from typing import Any

from django.db import migrations, models

# One-letter codes stored before this migration and the FHIR code each one meant.
OLD_TO_FHIR = {"F": "female", "M": "male", "X": "other", "U": "unknown"}


def letters_to_fhir_codes(apps: Any, schema_editor: Any) -> None:
    patients = apps.get_model("referrals", "Patient").objects
    for old, new in OLD_TO_FHIR.items():
        patients.filter(sex=old).update(sex=new)


def fhir_codes_to_letters(apps: Any, schema_editor: Any) -> None:
    patients = apps.get_model("referrals", "Patient").objects
    for old, new in OLD_TO_FHIR.items():
        patients.filter(sex=new).update(sex=old)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0007_patient_language"),
    ]

    operations = [
        # Widen before converting so "unknown" fits; narrow back only after converting back.
        migrations.AlterField(
            model_name="patient",
            name="sex",
            field=models.CharField(
                choices=[("female", "Female"), ("male", "Male"), ("other", "Other"), ("unknown", "Unknown")],
                max_length=7,
            ),
        ),
        migrations.RunPython(letters_to_fhir_codes, fhir_codes_to_letters),
    ]
