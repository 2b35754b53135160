"""POST /api/v1/referrals/<id>/actions/<action>/: the practice works the referral through the API."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import Practice
from referrals.models import AuditLogEntry, FollowUp, Referral
from tests.referrals.factories import ReferralFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(near_practice: Practice, clinician: Any) -> Referral:
    return ReferralFactory.create(clinician=clinician, practice=near_practice)


def as_user(user: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def act(user: Any, referral: Referral, action: str, **body: Any) -> Any:
    return as_user(user).post(
        f"/api/v1/referrals/{referral.public_id}/actions/{action}/", body, format="json"
    )


def soon(days: int = 2) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).replace(microsecond=0).isoformat()


def test_staff_work_a_referral_from_accept_to_outcome_and_the_clinician_sees_it_all(
    referral: Referral, near_staff: Any, clinician: Any
) -> None:
    assert act(near_staff, referral, "accept").json()["status"] == "accepted"
    booked = act(near_staff, referral, "schedule", kind="procedure", starts_at=soon())
    assert booked.status_code == 200, booked.json()
    appointment_id = booked.json()["appointments"][0]["id"]
    visited = act(
        near_staff, referral, "record_visit", appointment=appointment_id, status="fulfilled", pain_score=2
    )
    assert visited.json()["status"] == "in_treatment"
    assert len(visited.json()["follow_ups"]) == 2
    done = act(near_staff, referral, "complete", outcome_summary="Injection helped; pain 7 -> 2.")
    assert done.json()["status"] == "completed"

    seen = as_user(clinician).get(f"/api/v1/referrals/{referral.public_id}/").json()
    assert seen["outcome_summary"] == "Injection helped; pain 7 -> 2."
    assert [event["kind"] for event in seen["timeline"]] == [
        "accepted",
        "scheduled",
        "visit_recorded",
        "completed",
    ]
    assert seen["appointments"][0]["pain_score"] == 2
    assert seen["allowed_actions"] == []
    assert AuditLogEntry.objects.filter(action="update", actor=near_staff).count() == 4


def test_actions_endpoint_lists_what_this_user_may_do_now(
    referral: Referral, near_staff: Any, clinician: Any
) -> None:
    url = f"/api/v1/referrals/{referral.public_id}/actions/"
    assert as_user(near_staff).get(url).json() == {"actions": ["accept", "decline", "cancel"]}
    assert as_user(clinician).get(url).json() == {"actions": ["cancel"]}


def test_accepting_an_accepted_referral_is_a_409(referral: Referral, near_staff: Any) -> None:
    act(near_staff, referral, "accept")
    response = act(near_staff, referral, "accept")
    assert response.status_code == 409
    assert "accepted" in response.json()["detail"]


def test_the_referring_clinician_may_not_accept_their_own_referral(
    referral: Referral, clinician: Any
) -> None:
    response = act(clinician, referral, "accept")
    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == "pending"


def test_decline_without_a_known_reason_is_a_400_on_reason(referral: Referral, near_staff: Any) -> None:
    response = act(near_staff, referral, "decline", reason="too busy")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_declining_hands_the_referral_on_and_hides_it_from_the_declining_practice(
    referral: Referral, near_staff: Any, far_practice: Practice
) -> None:
    response = act(near_staff, referral, "decline", reason="capacity", comment="No slots for 6 weeks")
    assert response.status_code == 200
    assert "practice" not in response.json()
    referral.refresh_from_db()
    assert referral.practice == far_practice
    assert as_user(near_staff).get(f"/api/v1/referrals/{referral.public_id}/").status_code == 404


def test_booking_a_taken_slot_is_a_409(referral: Referral, near_staff: Any, near_practice: Practice) -> None:
    other = ReferralFactory.create(practice=near_practice, status="accepted")
    act(near_staff, referral, "accept")
    slot = soon()
    assert act(near_staff, other, "schedule", kind="consult", starts_at=slot).status_code == 200
    response = act(near_staff, referral, "schedule", kind="consult", starts_at=slot)
    assert response.status_code == 409
    assert "already booked" in response.json()["detail"]


def test_a_pain_score_of_11_at_a_visit_is_a_400(referral: Referral, near_staff: Any) -> None:
    act(near_staff, referral, "accept")
    appointment_id = act(near_staff, referral, "schedule", kind="consult", starts_at=soon()).json()[
        "appointments"
    ][0]["id"]
    response = act(
        near_staff, referral, "record_visit", appointment=appointment_id, status="fulfilled", pain_score=11
    )
    assert response.status_code == 400
    assert "pain_score" in response.json()
    assert not FollowUp.objects.exists()


def test_recording_a_visit_of_another_referral_is_a_400_on_appointment(
    referral: Referral, near_staff: Any, near_practice: Practice
) -> None:
    other = ReferralFactory.create(practice=near_practice, status="accepted")
    other_visit = act(near_staff, other, "schedule", kind="consult", starts_at=soon(3)).json()[
        "appointments"
    ][0]["id"]
    act(near_staff, referral, "accept")
    act(near_staff, referral, "schedule", kind="consult", starts_at=soon())
    response = act(near_staff, referral, "record_visit", appointment=other_visit, status="no_show")
    assert response.status_code == 400
    assert "appointment" in response.json()


def test_an_unknown_action_is_a_400_naming_the_choices(referral: Referral, near_staff: Any) -> None:
    response = act(near_staff, referral, "approve")
    assert response.status_code == 400
    assert "accept" in response.json()["action"][0]


def test_completing_before_any_visit_is_a_409(referral: Referral, near_staff: Any) -> None:
    act(near_staff, referral, "accept")
    response = act(near_staff, referral, "complete", outcome_summary="Nothing to report")
    assert response.status_code == 409


def test_the_referring_clinician_may_cancel_with_a_reason(referral: Referral, clinician: Any) -> None:
    assert act(clinician, referral, "cancel").status_code == 400
    response = act(clinician, referral, "cancel", reason="Symptoms resolved")
    assert response.json()["status"] == "cancelled"


def test_a_superuser_routes_an_unroutable_referral_by_hand(clinician: Any, near_practice: Practice) -> None:
    stuck = ReferralFactory.create(
        clinician=clinician, practice=None, status="unroutable", acceptance_deadline=None
    )
    superuser = UserFactory.create(is_superuser=True, is_staff=True)
    response = act(superuser, stuck, "route_by_hand", practice=near_practice.pk)
    assert response.status_code == 200
    assert response.json()["practice"]["name"] == near_practice.name
    assert response.json()["status"] == "pending"
