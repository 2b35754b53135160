"""Reads scoped to the asker: lists cost a fixed number of queries, follow-ups come overdue first."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import Practice
from referrals import selectors
from referrals.models import FollowUp, Referral
from tests.referrals.factories import AppointmentFactory, ReferralFactory, StaffFactory

pytestmark = pytest.mark.django_db


def list_queries(user: Any) -> int:
    api = APIClient()
    api.force_authenticate(type(user).objects.get(pk=user.pk))  # a fresh user: no cached permissions
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/referrals/").status_code == 200
    return len(queries)


def test_the_referral_list_costs_the_same_queries_for_2_or_20_referrals(near_practice: Practice) -> None:
    staff = StaffFactory.create(practice=near_practice)
    location = near_practice.locations.get()
    for referral in ReferralFactory.create_batch(
        2, practice=near_practice, practice_location=location, status="scheduled"
    ):
        AppointmentFactory.create(referral=referral)
    few = list_queries(staff)
    for referral in ReferralFactory.create_batch(
        18, practice=near_practice, practice_location=location, status="scheduled"
    ):
        AppointmentFactory.create(
            referral=referral, starts_at=timezone.now() + datetime.timedelta(hours=referral.pk)
        )
    assert list_queries(staff) == few


def test_next_appointment_is_the_earliest_booked_one_still_to_come(near_practice: Practice) -> None:
    referral = ReferralFactory.create(practice=near_practice, status="scheduled")
    now = timezone.now()
    AppointmentFactory.create(referral=referral, starts_at=now - datetime.timedelta(days=1))
    AppointmentFactory.create(referral=referral, starts_at=now + datetime.timedelta(days=9), kind="procedure")
    AppointmentFactory.create(
        referral=referral, starts_at=now + datetime.timedelta(days=4), status="cancelled"
    )
    listed = selectors.referrals_for_practice_staff(StaffFactory.create(practice=near_practice)).get()
    assert listed.next_appointment_kind == "procedure"  # type: ignore[attr-defined]
    assert listed.next_appointment_at == now + datetime.timedelta(days=9)  # type: ignore[attr-defined]


def test_follow_ups_due_list_shows_overdue_first_and_only_the_staff_members_practice(
    near_practice: Practice, far_practice: Practice
) -> None:
    today = timezone.localdate()
    mine = ReferralFactory.create(practice=near_practice, status=Referral.Status.IN_TREATMENT)
    theirs = ReferralFactory.create(practice=far_practice, status=Referral.Status.IN_TREATMENT)
    source = AppointmentFactory.create(referral=mine, kind="procedure", status="fulfilled")
    later = FollowUp.objects.create(
        referral=mine, source_appointment=source, due_on=today + datetime.timedelta(days=3)
    )
    overdue = FollowUp.objects.create(
        referral=mine, source_appointment=source, due_on=today - datetime.timedelta(days=2)
    )
    covered = FollowUp.objects.create(
        referral=mine,
        source_appointment=source,
        due_on=today - datetime.timedelta(days=5),
        appointment=AppointmentFactory.create(referral=mine, kind="follow_up"),
    )
    other_source = AppointmentFactory.create(referral=theirs, kind="procedure", status="fulfilled")
    FollowUp.objects.create(
        referral=theirs, source_appointment=other_source, due_on=today - datetime.timedelta(days=9)
    )
    rows = list(selectors.follow_ups_due_for_staff(StaffFactory.create(practice=near_practice)))
    assert rows == [overdue, covered, later]
    assert [row.overdue for row in rows] == [row.is_overdue for row in rows] == [True, False, False]  # type: ignore[attr-defined]


def test_referrals_past_deadline_are_pending_ones_whose_time_is_up(near_practice: Practice) -> None:
    late = ReferralFactory.create(
        practice=near_practice, acceptance_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    ReferralFactory.create(practice=near_practice)  # still has time
    ReferralFactory.create(
        practice=near_practice,
        status="accepted",
        acceptance_deadline=timezone.now() - datetime.timedelta(hours=1),
    )
    assert list(selectors.referrals_past_deadline()) == [late]


def test_the_api_schema_documents_the_referral_endpoints() -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"] if response["Content-Type"].startswith("application/json") else None
    text = response.content.decode()
    assert "/api/v1/referrals/{public_id}/actions/{action}/" in (paths or text)
