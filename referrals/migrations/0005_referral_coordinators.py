"""The "Referral coordinators" group: they enrol practices and own stuck referrals (docs/workflow.md)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATORS = "Referral coordinators"
PERMISSIONS = {
    "referrals": ["route_referral_by_hand", "view_referral", "view_referralevent", "view_patient"],
    "directory": [
        "enrol_practice",
        "view_practice",
        "change_practice",
        "view_practicelocation",
        "view_provider",
        "view_practicemembership",
        "add_practicemembership",
        "change_practicemembership",
        "delete_practicemembership",
    ],
    "auth": ["view_user"],
}


def create_group(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Permissions are normally created after the last migration; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=COORDINATORS)
    group.permissions.add(
        *(
            permission_model.objects.get(content_type__app_label=app, codename=codename)
            for app, codenames in PERMISSIONS.items()
            for codename in codenames
        )
    )


def remove_group(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("auth", "Group").objects.filter(name=COORDINATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("directory", "0009_practice_enrolment"),
        ("referrals", "0004_membership_moves_to_directory"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
