"""The referral's own admin page offers what the office may do now, each through the same service
as the list's bulk actions; times are taken in the practice's zone (docs/workflow.md)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Appointment, AuditLogEntry, Referral, ReferralEvent
from tests.directory.factories import PracticeFactory
from tests.referrals.factories import (
    AppointmentFactory,
    PatientFactory,
    ReferralFactory,
    chicago_office,
)

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


@pytest.fixture
def office() -> dict[str, Any]:
    """A Chicago practice with a pending referral and its clerk, and a second practice."""
    practice, location, clerk = chicago_office()
    referral = ReferralFactory.create(
        practice=practice, practice_location=location, patient=PatientFactory.create(last_name="Okafor")
    )
    return {"practice": practice, "clerk": clerk, "referral": referral}


def page(referral: Referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


def act(referral: Referral, action: str) -> str:
    return reverse("admin:referrals_referral_act", args=[referral.pk, action])


def as_clerk(client: Any, office: dict[str, Any]) -> Any:
    client.force_login(office["clerk"])
    return client


def with_status(referral: Referral, status: str) -> Referral:
    referral.status = status
    referral.save()
    return referral


def test_a_pending_referral_offers_accept_decline_and_cancel_and_nothing_else(client, office):
    html = as_clerk(client, office).get(page(office["referral"])).content.decode()

    for action in ("accept", "decline", "cancel"):
        assert f'href="{act(office["referral"], action)}"' in html
    for action in ("schedule", "record_visit", "complete"):
        assert act(office["referral"], action) not in html


def test_accepting_from_the_page_accepts_and_writes_the_audit_log(client, office):
    referral = office["referral"]

    response = as_clerk(client, office).post(act(referral, "accept"))

    assert response.status_code == 302 and response["Location"] == page(referral)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert AuditLogEntry.objects.filter(action="update", detail="referral page: accept").count() == 1


def test_declining_from_the_page_needs_a_comment_for_other_and_then_moves_the_referral_on(client, office):
    referral, client = office["referral"], as_clerk(client, office)

    refused = client.post(act(referral, "decline"), {"reason": "other", "comment": ""})
    assert refused.status_code == 200
    assert "Say why in a comment" in refused.content.decode()
    client.post(act(referral, "decline"), {"reason": "other", "comment": "Our only IR is away this month."})

    event = referral.events.get(kind=ReferralEvent.Kind.DECLINED)
    assert event.comment == "Our only IR is away this month."


def test_booking_from_the_page_takes_the_time_in_the_practices_zone(client, office):
    referral = with_status(office["referral"], Referral.Status.ACCEPTED)

    form = as_clerk(client, office).get(act(referral, "schedule")).content.decode()
    client.post(act(referral, "schedule"), {"kind": "consult", "starts_at": "2030-01-15T10:00"})

    assert "Starts at (CST)" in form and "America/Chicago" in form
    visit = referral.appointments.get()
    assert visit.starts_at == datetime.datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    assert "Tue 15 Jan 2030, 10:00 CST" in client.get(page(referral)).content.decode()


def test_booking_a_time_gone_by_is_refused_on_the_form_unless_it_records_how_the_visit_went(client, office):
    referral = with_status(office["referral"], Referral.Status.ACCEPTED)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    when = yesterday.astimezone(ZoneInfo("America/Chicago")).strftime("%Y-%m-%dT%H:%M")
    client = as_clerk(client, office)

    refused = client.post(act(referral, "schedule"), {"kind": "consult", "starts_at": when})
    assert refused.status_code == 200 and "That time has passed" in refused.content.decode()
    assert not referral.appointments.exists()

    client.post(
        act(referral, "schedule"),
        {"kind": "consult", "starts_at": when, "outcome": "fulfilled", "pain_score": "3"},
    )
    visit = referral.appointments.get()
    assert (visit.status, visit.pain_score) == (Appointment.Status.FULFILLED, 3)


@pytest.mark.parametrize(
    ("status", "pain", "expected_referral"),
    [
        ("arrived", "", Referral.Status.SCHEDULED),
        ("fulfilled", "2", Referral.Status.IN_TREATMENT),
        ("no_show", "", Referral.Status.SCHEDULED),
    ],
)
def test_recording_a_booked_visit_from_the_page(client, office, status, pain, expected_referral):
    referral = with_status(office["referral"], Referral.Status.SCHEDULED)
    visit = AppointmentFactory.create(
        referral=referral, starts_at=timezone.now() - datetime.timedelta(hours=1)
    )

    as_clerk(client, office).post(
        act(referral, "record_visit"), {"visit": visit.pk, "status": status, "pain_score": pain}
    )

    visit.refresh_from_db()
    referral.refresh_from_db()
    assert visit.status == status
    assert referral.status == expected_referral


def test_completing_and_cancelling_from_the_page(client, office):
    referral = with_status(office["referral"], Referral.Status.IN_TREATMENT)
    client = as_clerk(client, office)

    client.post(act(referral, "complete"), {"outcome_summary": "Injection done; pain 7 to 2."})
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED

    other = ReferralFactory.create(practice=office["practice"])
    client.post(act(other, "cancel"), {"reason": "The patient moved away."})
    other.refresh_from_db()
    assert other.status == Referral.Status.CANCELLED


def test_an_action_the_status_does_not_allow_is_refused_with_the_reason_and_changes_nothing(client, office):
    referral = office["referral"]

    response = as_clerk(client, office).post(act(referral, "complete"), {"outcome_summary": "Done."})

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_another_offices_referral_has_no_action_pages(client, office):
    elsewhere = ReferralFactory.create(practice=PracticeFactory.create(name="Summit"))

    assert as_clerk(client, office).post(act(elsewhere, "accept")).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Referral.Status.PENDING
