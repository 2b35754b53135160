"""A visit in the past is never booked silently: it is refused, unless the office records a visit
that happened, with how it went. The rule lives in the service, so the admin, the JSON API and
FHIR meet it alike (docs/workflow.md, "Visits and time zones")."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import Practice
from referrals import services
from referrals.models import Appointment, Referral
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(near_practice: Practice, clinician: Any) -> Referral:
    return ReferralFactory.create(
        clinician=clinician, practice=near_practice, status=Referral.Status.ACCEPTED
    )


def hours_from_now(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def test_booking_an_hour_ago_is_refused_on_the_time_and_nothing_is_saved(referral: Referral, near_staff: Any):
    with pytest.raises(services.InvalidInput) as refused:
        services.appointment_schedule(
            referral=referral, user=near_staff, kind="consult", starts_at=hours_from_now(-1)
        )

    assert "has passed" in refused.value.errors["starts_at"][0]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert not referral.appointments.exists() and not referral.events.exists()


def test_a_visit_that_happened_is_booked_and_recorded_at_once_with_its_outcome(
    referral: Referral, near_staff: Any
):
    visit = services.appointment_schedule(
        referral=referral,
        user=near_staff,
        kind="consult",
        starts_at=hours_from_now(-2),
        outcome="fulfilled",
        pain_score=4,
    )

    assert (visit.status, visit.pain_score) == (Appointment.Status.FULFILLED, 4)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TREATMENT
    assert list(referral.events.values_list("kind", flat=True)) == ["scheduled", "visit_recorded"]


def test_a_visit_still_to_come_cannot_carry_an_outcome(referral: Referral, near_staff: Any):
    with pytest.raises(services.InvalidInput) as refused:
        services.appointment_schedule(
            referral=referral,
            user=near_staff,
            kind="consult",
            starts_at=hours_from_now(24),
            outcome="no_show",
        )

    assert "outcome" in refused.value.errors
    assert not referral.appointments.exists()


def test_the_api_refuses_a_past_booking_naming_starts_at_and_takes_a_recorded_visit(
    referral: Referral, near_staff: Any
):
    api = APIClient()
    api.force_authenticate(near_staff)
    url = f"/api/v1/referrals/{referral.public_id}/actions/schedule/"
    past = hours_from_now(-3).replace(microsecond=0).isoformat()

    refused = api.post(url, {"kind": "consult", "starts_at": past}, format="json")
    recorded = api.post(url, {"kind": "consult", "starts_at": past, "outcome": "no_show"}, format="json")

    assert refused.status_code == 400
    assert "starts_at" in refused.json()
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["appointments"][0]["status"] == "no_show"
