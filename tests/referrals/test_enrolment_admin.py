"""Enrolling in the admin: coordinators enrol and un-enrol practices; offices keep their contacts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages

from directory.models import Practice
from referrals.models import Referral
from referrals.roles import coordinator_group, staff_group
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/directory/practice/"


@pytest.fixture
def coordinator() -> Any:
    user = UserFactory.create(username="coordinator", is_staff=True)
    user.groups.add(coordinator_group())
    return user


def run_action(client: Any, action: str, practices: list[Practice]) -> list[str]:
    response = client.post(
        CHANGELIST, {"action": action, "_selected_action": [p.pk for p in practices]}, follow=True
    )
    assert response.status_code == 200
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_coordinator_enrols_a_ready_practice_and_is_told_what_another_one_lacks(
    client: Any, coordinator: Any
) -> None:
    ready = practice_km_north(3, enrol=False, name="Lakeside Spine and Vascular")
    StaffFactory.create(practice=ready)
    ready.referral_inbox_email = "desk@lakeside.example"
    ready.save()
    bare = practice_km_north(5, enrol=False, name="Quiet Valley IR")
    client.force_login(coordinator)

    said = run_action(client, "enrol_practices", [ready, bare])

    assert "Lakeside Spine and Vascular is enrolled and receives referrals." in said
    assert any(m.startswith("Quiet Valley IR cannot be enrolled: no active staff member") for m in said)
    assert set(Practice.objects.receiving_referrals()) == {ready}


def test_a_coordinator_unenrols_a_practice_and_its_pending_referrals_move_on(
    client: Any, coordinator: Any, submit: Any
) -> None:
    near = practice_km_north(3, name="Lakeside Spine and Vascular")
    far = practice_km_north(9, name="Summit Interventional Radiology")
    referral = submit()
    client.force_login(coordinator)

    said = run_action(client, "unenrol_practices", [near])

    assert said == [
        "Lakeside Spine and Vascular no longer receives referrals; 1 pending referral(s) moved on."
    ]
    referral.refresh_from_db()
    assert referral.practice == far and referral.status == Referral.Status.PENDING


def test_office_staff_keep_their_contacts_current_but_cannot_enrol_their_practice(client: Any) -> None:
    practice = practice_km_north(3, enrol=False, name="Lakeside Spine and Vascular")
    staff = StaffFactory.create(practice=practice)
    staff.groups.add(staff_group())
    client.force_login(staff)

    listing = client.get(CHANGELIST).content.decode()
    assert "enrol_practices" not in listing
    refused = run_action(client, "enrol_practices", [practice])
    assert not any("enrolled" in message for message in refused)
    page = client.get(f"{CHANGELIST}{practice.pk}/change/").content.decode()
    assert 'name="referral_inbox_email"' in page and 'name="enrolled_at"' not in page
    practice.refresh_from_db()
    assert practice.enrolled_at is None
