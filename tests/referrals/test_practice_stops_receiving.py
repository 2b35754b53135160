"""A practice that stops receiving referrals passes its pending ones on at once (docs/workflow.md,
"Enrolment"): switching referrals off, losing its last active staff member or its last working
channel. Runs on SQLite by default, on PostgreSQL with DATABASE_URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from directory.enrolment import PracticeMembership
from directory.models import Practice
from referrals.models import Referral
from referrals.roles import staff_group
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import StaffFactory

pytestmark = pytest.mark.django_db

LAKESIDE = "Lakeside Spine and Vascular"
SUMMIT = "Summit Interventional Radiology"


@pytest.fixture
def lakeside() -> Practice:
    return practice_km_north(3, name=LAKESIDE)


@pytest.fixture
def summit() -> Practice:
    return practice_km_north(9, name=SUMMIT)


@pytest.fixture
def waiting_at_lakeside(submit: Any, lakeside: Practice, summit: Practice) -> list[Referral]:
    referrals = [submit(), submit()]
    assert {referral.practice for referral in referrals} == {lakeside}
    return referrals


def moved_on(referrals: list[Referral], *, to: Practice, because: str) -> None:
    """Each referral now waits at ``to``, with an event naming the practice it left and why."""
    for referral in referrals:
        referral.refresh_from_db()
        assert referral.status == Referral.Status.PENDING
        assert referral.practice == to
        [event] = referral.events.filter(kind="practice_unenrolled")
        assert event.practice is not None and event.practice.name == LAKESIDE
        assert because in event.comment, event.comment


def test_switching_referrals_off_moves_the_pending_referrals_on_at_once(
    lakeside: Practice, summit: Practice, waiting_at_lakeside: list[Referral]
) -> None:
    lakeside.accepting_referrals = False
    lakeside.save()

    moved_on(waiting_at_lakeside, to=summit, because="it has switched referrals off")


def test_the_last_staff_member_leaving_moves_the_pending_referrals_on(
    lakeside: Practice, summit: Practice, waiting_at_lakeside: list[Referral]
) -> None:
    staff = lakeside.memberships.get().user
    staff.is_active = False
    staff.save()

    moved_on(waiting_at_lakeside, to=summit, because="no active staff member works for it")


def test_removing_the_last_membership_moves_the_pending_referrals_on(
    lakeside: Practice, summit: Practice, waiting_at_lakeside: list[Referral]
) -> None:
    PracticeMembership.objects.get(practice=lakeside).delete()

    moved_on(waiting_at_lakeside, to=summit, because="no active staff member works for it")


def test_losing_the_last_working_channel_moves_the_pending_referrals_on(
    lakeside: Practice, summit: Practice, waiting_at_lakeside: list[Referral]
) -> None:
    lakeside.referral_inbox_email = ""
    lakeside.save()

    moved_on(waiting_at_lakeside, to=summit, because="no working delivery channel")


def test_a_practice_that_still_has_an_active_staff_member_keeps_its_referrals(
    lakeside: Practice, waiting_at_lakeside: list[Referral]
) -> None:
    StaffFactory.create(practice=lakeside)
    leaving = lakeside.memberships.order_by("pk").first().user  # type: ignore[union-attr]
    leaving.is_active = False
    leaving.save()

    for referral in waiting_at_lakeside:
        referral.refresh_from_db()
        assert referral.practice == lakeside
        assert not referral.events.filter(kind="practice_unenrolled").exists()


def test_an_office_switching_referrals_off_in_the_admin_passes_its_referrals_on(
    client: Any, lakeside: Practice, summit: Practice, waiting_at_lakeside: list[Referral]
) -> None:
    staff = lakeside.memberships.get().user
    staff.groups.add(staff_group())
    client.force_login(staff)
    url = reverse("admin:directory_practice_change", args=[lakeside.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"accepting_referrals": "", "_save": "Save"})
    data.update(inline_management_forms(client.get(url).context))

    answer = client.post(url, data)

    assert answer.status_code == 302
    moved_on(waiting_at_lakeside, to=summit, because="it has switched referrals off")


def inline_management_forms(context: Any) -> dict[str, Any]:
    """Every inline on an admin change page posted back as it was rendered (management forms, rows)."""
    data: dict[str, Any] = {}
    for inline in context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
        for row in inline.formset.initial_forms:
            for name in row.fields:
                value = row[name].value()
                if value is not None:
                    data[row.add_prefix(name)] = value
    return data
