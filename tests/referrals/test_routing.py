"""Where a referral goes: nearest fitting practice, ties by workload, never back to one that said no."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from directory.models import Condition
from referrals import services
from referrals.models import NotificationOutbox, Referral, ReferralEvent
from referrals.routing import Candidate, rank_candidates
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import ReferralFactory, StaffFactory
from tests.triage.factories import answers_with

pytestmark = pytest.mark.django_db


def candidate(practice_id: int, distance_mi: float, workload: int) -> Candidate:
    return Candidate(practice_id, f"Practice {practice_id}", practice_id, distance_mi, workload)


def test_ranking_puts_nearest_first_and_breaks_distance_ties_by_workload() -> None:
    ranked = rank_candidates(
        [candidate(1, 3.0, 0), candidate(2, 1.0, 9), candidate(3, 1.0, 2), candidate(4, 1.004, 1)]
    )
    assert [c.practice_id for c in ranked] == [4, 3, 2, 1]


def test_referral_goes_to_the_nearest_practice_offering_the_procedure(submit: Any) -> None:
    practice_km_north(2, procedures=("vertebroplasty-kyphoplasty",))
    far = practice_km_north(20)
    near = practice_km_north(8)
    referral = submit()
    assert referral.status == Referral.Status.PENDING
    assert referral.practice == near
    routed = referral.events.get(kind=ReferralEvent.Kind.ROUTED)
    assert [c["practice_id"] for c in routed.shortlist] == [near.pk, far.pk]
    assert routed.shortlist[0]["distance_mi"] == pytest.approx(8 / 1.609344, abs=0.05)


def test_condition_routes_when_no_procedure_is_named(submit: Any) -> None:
    practice_km_north(2)
    treats = practice_km_north(10, procedures=())
    treats.locations.get().providers.get().conditions.add(Condition.objects.get(slug="herniated-disc"))
    referral = submit(
        requested_procedure=None, suspected_condition=Condition.objects.get(slug="herniated-disc")
    )
    assert referral.practice == treats


def test_equally_near_practices_are_ranked_by_open_workload(submit: Any) -> None:
    busy = practice_km_north(5)
    quiet = practice_km_north(5)
    ReferralFactory.create_batch(2, practice=busy, status=Referral.Status.ACCEPTED)
    ReferralFactory.create(practice=quiet, status=Referral.Status.COMPLETED)  # closed: not workload
    referral = submit()
    assert referral.practice == quiet
    shortlist = referral.events.get(kind="routed").shortlist
    assert [(c["practice_id"], c["open_workload"]) for c in shortlist] == [(quiet.pk, 0), (busy.pk, 2)]


def test_practices_that_switched_referrals_off_are_skipped(submit: Any) -> None:
    switched_off = practice_km_north(3)
    switched_off.accepting_referrals = False
    switched_off.save()
    open_one = practice_km_north(9)
    assert submit().practice == open_one


@override_settings(REFERRAL_ROUTING_RADIUS_MILES=10)
def test_no_practice_within_the_radius_makes_the_referral_unroutable(submit: Any) -> None:
    practice_km_north(40)
    referral = submit()
    assert referral.status == Referral.Status.UNROUTABLE
    assert referral.practice is None
    assert referral.events.filter(kind="unroutable").exists()
    assert NotificationOutbox.objects.filter(referral=referral, recipient_kind="clinician").exists()


def test_decline_moves_the_referral_to_the_next_practice(submit: Any) -> None:
    near, far = practice_km_north(3), practice_km_north(12)
    referral = submit()
    staff = StaffFactory.create(practice=near)
    services.referral_decline(referral=referral, user=staff, reason="capacity", comment="Fully booked")
    referral.refresh_from_db()
    assert referral.practice == far
    assert referral.status == Referral.Status.PENDING
    declined = referral.events.get(kind="declined")
    assert (declined.practice, declined.actor, declined.reason) == (near, staff, "capacity")


def test_a_declining_practice_is_never_offered_the_referral_again(submit: Any) -> None:
    near, far = practice_km_north(3), practice_km_north(12)
    referral = submit()
    services.referral_decline(referral=referral, user=StaffFactory.create(practice=near), reason="capacity")
    services.referral_decline(
        referral=referral, user=StaffFactory.create(practice=far), reason="out_of_network"
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.UNROUTABLE
    assert referral.practice is None


def test_missed_deadline_moves_on_and_skips_that_practice(submit: Any) -> None:
    slow, next_one = practice_km_north(3), practice_km_north(12)
    referral = submit()
    later = timezone.now() + datetime.timedelta(hours=25)
    assert services.referral_time_out(referral=referral, now=later)
    referral.refresh_from_db()
    assert referral.practice == next_one
    timed_out = referral.events.get(kind="timed_out")
    assert timed_out.practice == slow and timed_out.actor is None
    assert slow.pk not in [c["practice_id"] for c in referral.events.filter(kind="routed").last().shortlist]


def test_time_out_before_the_deadline_changes_nothing(submit: Any) -> None:
    practice_km_north(3)
    referral = submit()
    assert not services.referral_time_out(referral=referral)
    assert not referral.events.filter(kind="timed_out").exists()


@pytest.mark.parametrize(
    ("answers", "disposition", "hours"),
    [
        (("leg_weakness",), "urgent", 24),
        (("leg_numbness_tingling",), "soon", 72),
        ((), "self_care", 168),
    ],
)
def test_acceptance_deadline_follows_the_triage_disposition(
    submit: Any, answers: tuple[str, ...], disposition: str, hours: int
) -> None:
    practice_km_north(3)
    before = timezone.now()
    referral = submit(triage_data={"pain_duration_weeks": 8, "answers": answers_with(*answers)})
    assert referral.disposition == disposition
    assert referral.acceptance_deadline is not None
    expected = before + datetime.timedelta(hours=hours)
    assert abs((referral.acceptance_deadline - expected).total_seconds()) < 60


def test_emergency_is_never_routed_and_the_record_is_kept(submit: Any) -> None:
    practice_km_north(3)
    referral = submit(triage_data={"pain_duration_weeks": 1, "answers": answers_with("saddle_numbness")})
    assert referral.status == Referral.Status.EMERGENCY_REDIRECT
    assert referral.practice is None
    assert not referral.events.filter(kind="routed").exists()
    assert referral.events.filter(kind="emergency_redirect").exists()
    assert not NotificationOutbox.objects.filter(recipient_kind="practice").exists()


def test_routed_practice_is_told_at_its_referral_inbox_without_patient_names(submit: Any) -> None:
    near = practice_km_north(3)
    near.referral_inbox_email = "desk@lakeside.example"
    near.save()
    referral = submit()
    row = NotificationOutbox.objects.get(referral=referral, recipient_kind="practice")
    assert row.recipient_address == "desk@lakeside.example"
    assert row.payload["referral"] == str(referral.public_id)
    assert "Maria" not in str(row.payload) and "Lopez" not in str(row.payload)
