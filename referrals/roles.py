"""The groups behind the portal's roles: IR office staff and referral coordinators.

Migration ``0004_referral_coordinators`` creates the coordinators' group; these functions
give either group its permissions again where a database lacks them (the demo, tests).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

STAFF_GROUP = "IR office staff"
COORDINATOR_GROUP = "Referral coordinators"

# What office staff need in the admin: work referrals and visits, keep their listing current.
STAFF_PERMISSIONS = {
    "referrals": [
        "view_referral",
        "change_referral",
        "view_referralevent",
        "view_appointment",
        "add_appointment",
        "change_appointment",
        "view_followup",
        "change_followup",
        "view_patient",
    ],
    "directory": [
        "view_practice",
        "change_practice",
        "view_practicelocation",
        "change_practicelocation",
        "view_provider",
        "change_provider",
        "view_listingreport",
        "change_listingreport",
    ],
}
# What coordinators need: enrol practices and keep who works where, route by hand, see stuck referrals.
COORDINATOR_PERMISSIONS = {
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


ROUTE_BY_HAND_PERMISSION = "referrals.route_referral_by_hand"


def is_coordinator(user: Any) -> bool:
    """True for referral coordinators, who route by hand and see the referrals stuck on the way
    (docs/workflow.md, "Who sees what"), and for superusers, who may do everything."""
    return bool(user.has_perm(ROUTE_BY_HAND_PERMISSION))


def _group(name: str, permissions: dict[str, list[str]]) -> Group:
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(
        *(
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codenames in permissions.items()
            for codename in codenames
        )
    )
    return group


def staff_group() -> Group:
    """The group holding the admin permissions every IR office staff member needs."""
    return _group(STAFF_GROUP, STAFF_PERMISSIONS)


def coordinator_group() -> Group:
    """The referral coordinators' group, with its permissions."""
    return _group(COORDINATOR_GROUP, COORDINATOR_PERMISSIONS)
