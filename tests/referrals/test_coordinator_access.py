"""Who sees which referral: coordinators every practice's stuck ones, offices their own, clinicians theirs.

The roles are in docs/workflow.md ("Who sees what").
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from referrals.models import NotificationOutbox, Referral
from referrals.roles import coordinator_group, staff_group
from tests.directory.factories import PracticeFactory
from tests.referrals.factories import ReferralFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def world() -> dict[str, Any]:
    """Two practices and one referral in each situation, from two clinicians."""
    lakeside, summit = PracticeFactory.create(name="Lakeside"), PracticeFactory.create(name="Summit")
    adams, baker = UserFactory.create(username="dr.adams"), UserFactory.create(username="dr.baker")
    now = timezone.now()
    referrals = {
        "unroutable": ReferralFactory.create(clinician=adams, status="unroutable", practice=None),
        "late_at_lakeside": ReferralFactory.create(
            clinician=adams, practice=lakeside, acceptance_deadline=now - HOUR
        ),
        "fine_at_lakeside": ReferralFactory.create(clinician=baker, practice=lakeside),
        "undelivered_at_summit": ReferralFactory.create(clinician=baker, practice=summit),
        "fine_at_summit": ReferralFactory.create(clinician=baker, practice=summit),
    }
    for name in ("undelivered_at_summit", "fine_at_summit"):
        failed = name == "undelivered_at_summit"
        NotificationOutbox.objects.create(
            referral=referrals[name],
            practice=summit,
            recipient_kind="practice",
            recipient_address="desk@summit.example",
            event_kind="routed",
            status="failed" if failed else "sent",
        )
    lakeside_staff = StaffFactory.create(username="staff.lakeside", practice=lakeside)
    lakeside_staff.groups.add(staff_group())
    coordinator = UserFactory.create(username="coordinator", is_staff=True)
    coordinator.groups.add(coordinator_group())
    return {
        "referrals": referrals,
        "adams": adams,
        "lakeside_staff": lakeside_staff,
        "coordinator": coordinator,
    }


def seen_through_the_api(api_client: Any, user: Any, world: dict[str, Any]) -> set[str]:
    api_client.force_authenticate(user)
    ids = {item["id"] for item in api_client.get("/api/v1/referrals/").json()["results"]}
    return {name for name, referral in world["referrals"].items() if str(referral.public_id) in ids}


def test_a_coordinator_sees_every_practices_unroutable_and_stuck_referrals_and_no_others(
    api_client: Any, world: dict[str, Any]
) -> None:
    assert seen_through_the_api(api_client, world["coordinator"], world) == {
        "unroutable",
        "late_at_lakeside",
        "undelivered_at_summit",
    }


def test_office_staff_still_see_only_their_own_practices_referrals(
    api_client: Any, world: dict[str, Any]
) -> None:
    assert seen_through_the_api(api_client, world["lakeside_staff"], world) == {
        "late_at_lakeside",
        "fine_at_lakeside",
    }


def test_a_clinician_sees_only_their_own_referrals(api_client: Any, world: dict[str, Any]) -> None:
    assert seen_through_the_api(api_client, world["adams"], world) == {"unroutable", "late_at_lakeside"}


def test_the_coordinators_admin_list_holds_the_stuck_referrals_of_every_practice(
    client: Any, world: dict[str, Any]
) -> None:
    client.force_login(world["coordinator"])
    page = client.get("/admin/referrals/referral/").content.decode()
    for name, referral in world["referrals"].items():
        shown = str(referral.public_id)[:8] in page
        assert shown == (name in {"unroutable", "late_at_lakeside", "undelivered_at_summit"}), name


def test_the_worklist_lists_stuck_referrals_oldest_first_for_coordinators_only(
    client: Any, world: dict[str, Any]
) -> None:
    referrals = world["referrals"]
    Referral.objects.filter(pk=referrals["undelivered_at_summit"].pk).update(
        updated_at=timezone.now() - 30 * HOUR
    )
    client.force_login(world["coordinator"])
    page = client.get("/referrals/worklist/").content.decode()
    order = [
        page.index(str(referrals[name].public_id)[:8])
        for name in ("undelivered_at_summit", "late_at_lakeside", "unroutable")
    ]
    assert order == sorted(order)
    assert (
        "Could not be delivered" in page
        and "Not answered by its deadline" in page
        and "No practice found" in page
    )
    assert str(referrals["fine_at_lakeside"].public_id)[:8] not in page
    assert "Maria" not in page  # references only, never patient names
    # The screening result in words, as on the office's pages, never a raw code.
    urgencies = re.findall(r"<td>(Urgent: [^<]+|Soon: [^<]+|No red flags)</td>", page)
    assert len(urgencies) == 3
    assert "self_care" not in page
    # Times come in the one format, with the zone named (docs/workflow.md).
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d [A-Z]{3}\b", page)

    for user in (world["lakeside_staff"], world["adams"]):
        client.force_login(user)
        assert client.get("/referrals/worklist/").status_code == 403
