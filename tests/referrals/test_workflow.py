"""The whole journey through the services: refer, accept, book, see, follow up, close the loop."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from directory.models import Practice
from referrals import services
from referrals.access import allowed_actions
from referrals.models import Appointment, FollowUp, NotificationOutbox, Referral
from tests.referrals.factories import ReferralFactory, UserFactory

pytestmark = pytest.mark.django_db


def in_days(days: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_referral_travels_from_submission_to_closed_loop(
    submit: Any, near_practice: Practice, near_staff: Any
) -> None:
    referral = submit()
    assert referral.practice == near_practice
    services.referral_accept(referral=referral, user=near_staff)
    procedure = services.appointment_schedule(
        referral=referral, user=near_staff, kind="procedure", starts_at=in_days(2)
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SCHEDULED
    services.appointment_record_visit(
        appointment=procedure, user=near_staff, status="fulfilled", pain_score=3
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TREATMENT
    services.referral_complete(
        referral=referral, user=near_staff, outcome_summary="L5 epidural done; pain 7 -> 3. Back to PCP."
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert referral.outcome_summary.startswith("L5 epidural done")
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "routed", "accepted", "scheduled", "visit_recorded", "completed"]
    told = set(
        NotificationOutbox.objects.filter(referral=referral, recipient_kind="clinician").values_list(
            "event_kind", flat=True
        )
    )
    assert {"accepted", "scheduled", "visit_recorded", "completed"} <= told


@override_settings(REFERRAL_FOLLOW_UP_DAYS=[14, 90])
def test_fulfilled_procedure_creates_follow_ups_two_weeks_and_three_months_later(
    submit: Any, near_staff: Any
) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    visit = services.appointment_schedule(
        referral=referral, user=near_staff, kind="procedure", starts_at=in_days(1)
    )
    services.appointment_record_visit(appointment=visit, user=near_staff, status="fulfilled", pain_score=4)
    visit_day = timezone.localtime(visit.starts_at).date()
    due = list(FollowUp.objects.filter(referral=referral).values_list("due_on", flat=True))
    assert due == [visit_day + datetime.timedelta(days=14), visit_day + datetime.timedelta(days=90)]
    visit.refresh_from_db()
    assert visit.pain_score == 4
    assert visit.procedure_performed == referral.requested_procedure


def test_a_fulfilled_consult_creates_no_follow_ups(submit: Any, near_staff: Any) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    visit = services.appointment_schedule(
        referral=referral, user=near_staff, kind="consult", starts_at=in_days(1)
    )
    services.appointment_record_visit(appointment=visit, user=near_staff, status="fulfilled")
    assert not FollowUp.objects.exists()


def test_booking_a_follow_up_covers_the_earliest_open_one(submit: Any, near_staff: Any) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    visit = services.appointment_schedule(
        referral=referral, user=near_staff, kind="procedure", starts_at=in_days(1)
    )
    services.appointment_record_visit(appointment=visit, user=near_staff, status="fulfilled")
    booked = services.appointment_schedule(
        referral=referral, user=near_staff, kind="follow_up", starts_at=in_days(15)
    )
    first, second = FollowUp.objects.order_by("due_on")
    assert first.appointment == booked
    assert second.appointment is None


def test_no_show_is_recorded_and_keeps_the_referral_scheduled(submit: Any, near_staff: Any) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    visit = services.appointment_schedule(
        referral=referral, user=near_staff, kind="consult", starts_at=in_days(1)
    )
    services.appointment_record_visit(appointment=visit, user=near_staff, status="no_show")
    visit.refresh_from_db()
    referral.refresh_from_db()
    assert visit.status == Appointment.Status.NO_SHOW
    assert referral.status == Referral.Status.SCHEDULED


def test_a_visit_already_fulfilled_cannot_become_a_no_show(submit: Any, near_staff: Any) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    visit = services.appointment_schedule(
        referral=referral, user=near_staff, kind="consult", starts_at=in_days(1)
    )
    services.appointment_record_visit(appointment=visit, user=near_staff, status="fulfilled")
    with pytest.raises(services.InvalidTransition):
        services.appointment_record_visit(appointment=visit, user=near_staff, status="no_show")


def test_the_same_slot_cannot_be_booked_twice(near_practice: Practice, near_staff: Any) -> None:
    first = ReferralFactory.create(practice=near_practice, status=Referral.Status.ACCEPTED)
    second = ReferralFactory.create(practice=near_practice, status=Referral.Status.ACCEPTED)
    slot = in_days(3)
    services.appointment_schedule(referral=first, user=near_staff, kind="consult", starts_at=slot)
    with pytest.raises(services.SlotTaken):
        services.appointment_schedule(referral=second, user=near_staff, kind="consult", starts_at=slot)
    second.refresh_from_db()
    assert second.status == Referral.Status.ACCEPTED


def test_accepting_twice_is_a_state_conflict(submit: Any, near_staff: Any) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    with pytest.raises(services.InvalidTransition):
        services.referral_accept(referral=referral, user=near_staff)


def test_another_practice_cannot_accept_and_cannot_even_see_the_referral(
    submit: Any, near_practice: Practice, far_staff: Any
) -> None:
    referral = submit()
    with pytest.raises(services.PermissionDenied):
        services.referral_accept(referral=referral, user=far_staff)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_the_referring_clinician_may_cancel_but_not_accept(
    submit: Any, clinician: Any, near_staff: Any
) -> None:
    referral = submit()
    assert allowed_actions(referral, clinician) == ["cancel"]
    with pytest.raises(services.ActionForbidden):
        services.referral_accept(referral=referral, user=clinician)
    services.referral_cancel(referral=referral, user=clinician, reason="Patient moved away")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CANCELLED
    assert NotificationOutbox.objects.filter(
        referral=referral, event_kind="cancelled", recipient_kind="practice"
    ).exists()


def test_cancelling_frees_booked_slots(submit: Any, near_staff: Any) -> None:
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    visit = services.appointment_schedule(
        referral=referral, user=near_staff, kind="consult", starts_at=in_days(1)
    )
    services.referral_cancel(referral=referral, user=near_staff, reason="Patient chose surgery elsewhere")
    visit.refresh_from_db()
    assert visit.status == Appointment.Status.CANCELLED


def test_allowed_actions_follow_the_state_and_the_role(submit: Any, near_staff: Any) -> None:
    referral = submit()
    assert allowed_actions(referral, near_staff) == ["accept", "decline", "cancel"]
    services.referral_accept(referral=referral, user=near_staff)
    referral.refresh_from_db()
    assert allowed_actions(referral, near_staff) == ["schedule", "cancel"]
    superuser = UserFactory.create(is_superuser=True, is_staff=True)
    assert allowed_actions(referral, superuser) == ["schedule", "cancel"]
    assert allowed_actions(referral, UserFactory.create()) == []


def test_completing_needs_an_outcome(submit: Any, near_staff: Any) -> None:
    referral = ReferralFactory.create(
        practice=near_staff.practice_memberships.get().practice, status="in_treatment"
    )
    with pytest.raises(services.InvalidInput) as error:
        services.referral_complete(referral=referral, user=near_staff, outcome_summary="  ")
    assert "outcome_summary" in error.value.errors


def test_decline_needs_a_known_reason(submit: Any, near_staff: Any) -> None:
    referral = submit()
    with pytest.raises(services.InvalidInput) as error:
        services.referral_decline(referral=referral, user=near_staff, reason="busy")
    assert "reason" in error.value.errors
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_unroutable_referral_can_be_routed_by_hand_by_a_superuser(
    clinician: Any, near_practice: Practice
) -> None:
    referral = ReferralFactory.create(
        clinician=clinician, practice=None, status="unroutable", acceptance_deadline=None
    )
    superuser = UserFactory.create(is_superuser=True, is_staff=True)
    assert allowed_actions(referral, superuser) == ["cancel", "route_by_hand"]
    assert allowed_actions(referral, clinician) == ["cancel"]
    services.referral_route_by_hand(referral=referral, user=superuser, practice=near_practice)
    referral.refresh_from_db()
    assert (referral.status, referral.practice) == (Referral.Status.PENDING, near_practice)
    assert referral.acceptance_deadline is not None
    assert referral.events.get(kind="routed_by_hand").actor == superuser


def test_staff_cannot_route_by_hand_without_the_permission(near_staff: Any, far_practice: Practice) -> None:
    referral = ReferralFactory.create(practice=None, status="unroutable", acceptance_deadline=None)
    with pytest.raises(services.PermissionDenied):
        services.referral_route_by_hand(referral=referral, user=near_staff, practice=far_practice)


def test_staff_member_sees_the_referral_leave_after_declining(
    submit: Any, near_staff: Any, far_staff: Any, far_practice: Practice
) -> None:
    referral = submit()
    services.referral_decline(referral=referral, user=near_staff, reason="not_offered")
    assert allowed_actions(referral, near_staff) == []
    assert allowed_actions(referral, far_staff) == ["accept", "decline", "cancel"]


def test_a_coordinator_with_the_routing_permission_sees_and_routes_only_unroutable_referrals(
    near_practice: Practice,
) -> None:
    from django.contrib.auth.models import Permission

    from referrals import selectors

    coordinator = UserFactory.create(is_staff=True)
    coordinator.user_permissions.add(Permission.objects.get(codename="route_referral_by_hand"))
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # fresh permission cache
    stuck = ReferralFactory.create(practice=None, status="unroutable", acceptance_deadline=None)
    elsewhere = ReferralFactory.create(practice=near_practice)
    assert list(selectors.referrals_visible_to(coordinator)) == [stuck]
    services.referral_route_by_hand(referral=stuck, user=coordinator, practice=near_practice)
    with pytest.raises(services.PermissionDenied):
        services.referral_cancel(referral=elsewhere, user=coordinator, reason="Not mine to cancel")
