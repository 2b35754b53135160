"""Routing reaches enrolled practices only, whatever the directory and whatever happens next.

The rules are in docs/workflow.md ("Enrolment" and "Routing"). The property test runs on
whichever database the suite runs on: SQLite by default, PostgreSQL with DATABASE_URL.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.models import Practice
from directory.services import EnrolmentError, practice_enrol
from referrals import delivery, services
from referrals.enrolment import practice_withdraw
from referrals.models import NotificationOutbox, Referral, ReferralEvent
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ROUTING_KINDS = (ReferralEvent.Kind.ROUTED, ReferralEvent.Kind.ROUTED_BY_HAND)


@dataclass(frozen=True)
class PracticeSpec:
    km: float
    staff: bool
    inbox: bool
    enrol: bool
    staff_leaves: bool
    switches_off: bool


practice_specs = st.builds(
    PracticeSpec,
    km=st.floats(min_value=0.5, max_value=90),
    staff=st.booleans(),
    inbox=st.booleans(),
    enrol=st.booleans(),
    staff_leaves=st.booleans(),
    switches_off=st.booleans(),
)
steps = st.lists(
    st.sampled_from(
        [
            "submit",
            "decline",
            "time_out",
            "delivery_fails",
            "unenrol",
            "route_by_hand",
            "switch_off",
            "staff_leave",
            "inbox_cleared",
        ]
    ),
    min_size=1,
    max_size=8,
)


def build(spec: PracticeSpec) -> Practice:
    """A practice as ``spec`` says: maybe staffed, maybe with an inbox, maybe enrolled, maybe lapsed."""
    practice = practice_km_north(spec.km, enrol=False)
    staff = StaffFactory.create(practice=practice) if spec.staff else None
    if spec.inbox:
        practice.referral_inbox_email = f"inbox{practice.pk}@practice.example"
        practice.save()
    if spec.enrol:
        # A refusal saves nothing; the property must hold all the same.
        with contextlib.suppress(EnrolmentError):
            practice_enrol(practice=practice)
    if staff is not None and spec.staff_leaves:
        staff.is_active = False
        staff.save()
    if spec.switches_off:
        practice.accepting_referrals = False
        practice.save()
    return practice


def receiving() -> set[int]:
    return set(Practice.objects.receiving_referrals().values_list("pk", flat=True))


def switch_off(practice: Practice) -> None:
    practice.accepting_referrals = False
    practice.save()


def staff_leave(practice: Practice) -> None:
    for membership in practice.memberships.select_related("user"):
        membership.user.is_active = False
        membership.user.save()


def clear_inbox(practice: Practice) -> None:
    practice.referral_inbox_email = ""
    practice.save()


# A practice lapsing without anyone un-enrolling it: its pending referrals must move on all the same.
LAPSES = {"switch_off": switch_off, "staff_leave": staff_leave, "inbox_cleared": clear_inbox}


def play(step: str, *, submit: Any, coordinator: Any, practices: list[Practice]) -> None:
    """One thing that can happen to the latest referral (or the directory)."""
    latest = Referral.objects.order_by("-id").first()
    if step == "submit" or latest is None:
        submit()
    elif step == "unenrol":
        practice_withdraw(practice=practices[latest.pk % len(practices)], actor=coordinator)
    elif step in LAPSES:
        LAPSES[step](latest.practice or practices[latest.pk % len(practices)])
    elif latest.status != Referral.Status.PENDING:
        if step == "route_by_hand" and latest.status == Referral.Status.UNROUTABLE:
            try:
                services.referral_route_by_hand(
                    referral=latest, user=coordinator, practice=practices[latest.pk % len(practices)]
                )
            except services.InvalidInput as refusal:
                assert "does not receive referrals" in str(refusal.errors["practice"])
    elif step == "decline":
        staff = latest.practice.memberships.filter(user__is_active=True).first()  # type: ignore[union-attr]
        if staff is not None:
            services.referral_decline(referral=latest, user=staff.user, reason="capacity")
    elif step == "time_out":
        Referral.objects.filter(pk=latest.pk).update(acceptance_deadline=latest.created_at)
        services.referral_time_out(referral=latest)
    else:
        NotificationOutbox.objects.filter(referral=latest, practice=latest.practice).update(status="failed")
        delivery.referral_move_on_undelivered(referral_id=latest.pk)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(practice_specs, min_size=1, max_size=6), plan=steps)
def test_no_referral_is_ever_routed_or_moved_to_a_practice_that_is_not_enrolled(
    specs: list[PracticeSpec], plan: list[str], submit: Any
) -> None:
    with transaction.atomic():
        coordinator = UserFactory.create(username="coordinator", is_staff=True)
        coordinator.user_permissions.add(Permission.objects.get(codename="route_referral_by_hand"))
        coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # fresh permission cache
        practices = [build(spec) for spec in specs]
        for step in plan:
            before = ReferralEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            play(step, submit=submit, coordinator=coordinator, practices=practices)
            allowed = receiving()
            routed_to = set(
                ReferralEvent.objects.filter(id__gt=before, kind__in=ROUTING_KINDS).values_list(
                    "practice_id", flat=True
                )
            )
            assert routed_to <= allowed, step
            waiting_at = set(Referral.objects.filter(status="pending").values_list("practice_id", flat=True))
            assert waiting_at <= allowed, step
        transaction.set_rollback(True)


def test_the_shortlist_lists_enrolled_practices_only_with_distance_and_workload(submit: Any) -> None:
    practice_km_north(1, enrol=False, name="Nearest But Not Enrolled")
    enrolled = practice_km_north(4, name="Lakeside Spine and Vascular")
    referral = submit()
    [routed] = referral.events.filter(kind="routed")
    assert referral.practice == enrolled
    assert [c["practice_name"] for c in routed.shortlist] == ["Lakeside Spine and Vascular"]
    assert routed.shortlist[0]["distance_mi"] == pytest.approx(4 / 1.609344, abs=0.01)
    assert routed.shortlist[0]["open_workload"] == 0


def test_a_practice_without_staff_or_inbox_is_never_sent_a_referral(submit: Any) -> None:
    practice_km_north(2, enrol=False)
    referral = submit()
    assert referral.status == Referral.Status.UNROUTABLE
    assert referral.practice is None


def test_routing_by_hand_to_a_practice_that_is_not_enrolled_is_refused_with_the_reason(
    submit: Any, admin_user: Any
) -> None:
    referral = submit()
    bare = practice_km_north(3, enrol=False, name="Quiet Valley IR")
    with pytest.raises(services.InvalidInput) as refusal:
        services.referral_route_by_hand(referral=referral, user=admin_user, practice=bare)
    [message] = refusal.value.errors["practice"]
    assert message.startswith("Quiet Valley IR does not receive referrals:")
    assert "no active staff member" in message and "no working delivery channel" in message
    referral.refresh_from_db()
    assert referral.status == Referral.Status.UNROUTABLE
    assert not referral.events.filter(kind="routed_by_hand").exists()


def test_unenrolling_a_practice_moves_its_pending_referrals_on_at_once(submit: Any, admin_user: Any) -> None:
    near = practice_km_north(3, name="Lakeside Spine and Vascular")
    far = practice_km_north(9, name="Summit Interventional Radiology")
    first, second = submit(), submit()
    assert first.practice == near and second.practice in (near, far)
    held = Referral.objects.filter(practice=near, status="pending").count()

    moved = practice_withdraw(practice=near, actor=admin_user)

    assert moved == held
    assert not Referral.objects.filter(practice=near, status="pending").exists()
    first.refresh_from_db()
    assert first.practice == far
    [event] = first.events.filter(kind="practice_unenrolled")
    assert event.practice == near and "no longer receives referrals" in event.comment
    assert event.actor == admin_user


def test_the_clinicians_page_for_an_unroutable_referral_says_how_far_the_search_went_and_whom_to_call(
    client: Any, submit: Any, clinician: Any, settings: Any
) -> None:
    settings.REFERRAL_COORDINATOR_CONTACT = "Jo Rivera, referral coordinator, 555-0142"
    practice_km_north(2, enrol=False)
    only = practice_km_north(6)
    referral = submit()
    staff = only.memberships.get().user
    services.referral_decline(referral=referral, user=staff, reason="capacity")

    client.force_login(clinician)
    page = client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Status: No practice found" in page
    assert (
        "We searched within 50 miles of the patient&#x27;s ZIP code and considered 1 practice(s) "
        "offering epidural steroid injection; each has declined" in page
    )
    assert "Please contact Jo Rivera, referral coordinator, 555-0142" in page


def test_with_no_enrolled_practice_near_the_page_says_none_was_found(
    client: Any, submit: Any, clinician: Any
) -> None:
    practice_km_north(2, enrol=False)
    referral = submit()
    client.force_login(clinician)
    page = client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "found no practice offering epidural steroid injection that receives referrals here" in page
