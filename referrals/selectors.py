"""Reads of referrals, already scoped to the person asking.

Another clinician's or another practice's referral is simply absent from these results,
so screens built on them show it exactly as they show a referral that does not exist.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.utils import timezone

from directory.enrolment import NEEDS_ATTENTION_AFTER, practice_ids_for_user
from directory.models import Practice, PracticeLocation
from referrals.models import Appointment, FollowUp, NotificationOutbox, Referral, ReferralEvent
from referrals.roles import is_coordinator

Outbox = NotificationOutbox
# The notices that deliver a referral to the practice it was routed to.
DELIVERY_EVENT_KINDS = (ReferralEvent.Kind.ROUTED, ReferralEvent.Kind.ROUTED_BY_HAND)


def with_next_appointment(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """``referrals`` annotated with ``next_appointment_at`` and ``next_appointment_kind``.

    The next appointment is the earliest booked one from now on (None if there is none);
    two correlated subqueries in the same SELECT, so a list costs one query.
    """
    upcoming = Appointment.objects.filter(
        referral=OuterRef("pk"), status=Appointment.Status.BOOKED, starts_at__gte=timezone.now()
    ).order_by("starts_at", "pk")
    return referrals.annotate(
        next_appointment_at=Subquery(upcoming.values("starts_at")[:1]),
        next_appointment_kind=Subquery(upcoming.values("kind")[:1]),
    )


def _listed(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    return with_next_appointment(
        referrals.select_related(
            "patient", "practice", "practice_location", "requested_procedure", "suspected_condition"
        )
    ).order_by("-created_at", "-id")


def referrals_for_clinician(user: Any) -> QuerySet[Referral]:
    """The referrals ``user`` made, newest first, with their next appointment."""
    return _listed(Referral.objects.filter(clinician_id=user.pk))


def referrals_for_practice_staff(user: Any) -> QuerySet[Referral]:
    """The referrals now with a practice ``user`` works for, newest first, with their next appointment."""
    return _listed(Referral.objects.filter(practice_id__in=practice_ids_for_user(user)))


def referrals_visible_to(user: Any) -> QuerySet[Referral]:
    """What ``user`` may see: what they referred plus what is with their practice; all for a superuser."""
    return _listed(referrals_in_scope(user))


def referrals_in_scope(user: Any) -> QuerySet[Referral]:
    """``referrals_visible_to`` as bare rows, without the list's joins and next-appointment columns."""
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none()
    if user.is_superuser:
        return Referral.objects.all()
    mine = Q(clinician_id=user.pk) | Q(practice_id__in=practice_ids_for_user(user))
    coordinated = coordinator_referrals(user)
    if coordinated is not None:
        mine |= coordinated
    return Referral.objects.filter(mine)


def referral_get_for_user(*, user: Any, public_id: uuid.UUID | str) -> Referral:
    """The referral with this public id if ``user`` may see it.

    Raises ``Referral.DoesNotExist`` both when it does not exist and when it is someone
    else's, so the two cannot be told apart (``get_object_or_404`` turns it into a 404).
    """
    try:
        key = uuid.UUID(str(public_id))
    except ValueError as error:
        raise Referral.DoesNotExist("No such referral.") from error
    return (
        referrals_visible_to(user)
        .select_related("assessment", "clinician", "practice_location")
        .get(public_id=key)
    )


def referral_timeline(referral: Referral) -> QuerySet[ReferralEvent]:
    """The referral's events, oldest first, with who acted and which practice it concerned."""
    return (
        ReferralEvent.objects.filter(referral=referral)
        .select_related("actor", "practice")
        .order_by("created_at", "id")
    )


def referral_latest_shortlist(referral: Referral) -> list[dict[str, Any]]:
    """The ranked candidates of the referral's latest routing (empty if it was never routed),
    each with its location's ``address``.

    A referral routed on this instance carries that shortlist already (``routed_shortlist``).
    """
    if referral.routed_shortlist is not None:
        return referral.routed_shortlist
    latest = referral.events.filter(kind=ReferralEvent.Kind.ROUTED).order_by("-created_at", "-id").first()
    return shortlists_with_addresses([latest.shortlist])[0] if latest else []


def shortlists_with_addresses(shortlists: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Each shortlist with every candidate's ``address`` (street, city, state, ZIP; "" when its
    location is gone): practices can share a name, their addresses tell them apart. One query."""
    ids = {entry.get("location_id") for shortlist in shortlists for entry in shortlist} - {None}
    addresses: dict[Any, str] = {
        location.pk: str(location) for location in PracticeLocation.objects.filter(pk__in=ids)
    }
    return [
        [{**entry, "address": addresses.get(entry.get("location_id"), "")} for entry in shortlist]
        for shortlist in shortlists
    ]


def referral_with_details(referral: Referral) -> Referral:
    """``referral`` with its timeline (routing shortlists with addresses), appointments, follow-ups
    and patient reports (one query each)."""
    prefetch_related_objects(
        [referral],
        "patient_outcomes",
        Prefetch("events", queryset=referral_timeline(referral)),
        Prefetch("appointments", queryset=referral_appointments(referral)),
        Prefetch(
            "follow_ups", queryset=FollowUp.objects.select_related("appointment").order_by("due_on", "id")
        ),
    )
    events = [event for event in referral.events.all() if event.shortlist]
    with_addresses = shortlists_with_addresses([event.shortlist for event in events])
    for event, shortlist in zip(events, with_addresses, strict=True):
        event.shortlist = shortlist
    return referral


def referral_appointments(referral: Referral) -> QuerySet[Appointment]:
    """The referral's appointments in time order, with provider and location."""
    return (
        Appointment.objects.filter(referral=referral)
        .select_related("provider", "location")
        .order_by("starts_at", "id")
    )


def referrals_past_deadline(now: datetime.datetime | None = None) -> QuerySet[Referral]:
    """Pending referrals whose practice has not answered in time (for the deadline task)."""
    return Referral.objects.filter(
        status=Referral.Status.PENDING, acceptance_deadline__lte=now or timezone.now()
    ).order_by("acceptance_deadline")


def follow_ups_due_for_staff(user: Any) -> QuerySet[FollowUp]:
    """Follow-ups of the user's practices (all, for a superuser), overdue ones first, then by due date.

    Each row is annotated with ``overdue`` (a boolean computed in SQL with the same rule
    as ``FollowUp.is_overdue``), so the list can sort and filter on it.
    """
    follow_ups = FollowUp.objects.all()
    if not user.is_superuser:
        follow_ups = follow_ups.filter(referral__practice_id__in=practice_ids_for_user(user))
    covered = Appointment.objects.filter(pk=OuterRef("appointment_id"), status__in=Appointment.KEPT_STATUSES)
    return (
        follow_ups.annotate(
            covered=Exists(covered),
        )
        .annotate(overdue=Q(due_on__lt=timezone.localdate()) & Q(covered=False))
        .select_related("referral", "referral__patient", "appointment")
        .order_by("-overdue", "due_on", "id")
    )


# --- Delivery and the coordinators' worklist (docs/workflow.md) ---------------------------------


def _delivery_notices() -> QuerySet[NotificationOutbox]:
    """The current practice's new-referral notices of the referral in the outer query."""
    return Outbox.objects.filter(
        referral=OuterRef("pk"),
        practice=OuterRef("practice"),
        recipient_kind=Outbox.RecipientKind.PRACTICE,
        event_kind__in=DELIVERY_EVENT_KINDS,
    )


def delivery_failed(now: datetime.datetime | None = None, *, past_grace: bool = False) -> Q:
    """Pending referrals whose practice was never reached: a notice failed for good, or is still
    undelivered after ``REFERRAL_DELIVERY_GRACE_MINUTES``, and none got through.

    With ``past_grace``, only those whose notice was written longer than the grace period
    ago: by then the referral should have moved on.
    """
    grace = datetime.timedelta(minutes=settings.REFERRAL_DELIVERY_GRACE_MINUTES)
    grace_ago = (now or timezone.now()) - grace
    notices = _delivery_notices()
    undelivered = Q(status=Outbox.Status.FAILED) | Q(status=Outbox.Status.PENDING, created_at__lte=grace_ago)
    if past_grace:
        undelivered = Q(status__in=[Outbox.Status.FAILED, Outbox.Status.PENDING], created_at__lte=grace_ago)
    return Q(
        Exists(notices.filter(undelivered)),
        ~Exists(notices.filter(status=Outbox.Status.SENT)),
        status=Referral.Status.PENDING,
    )


def needs_coordinator(now: datetime.datetime | None = None) -> Q:
    """What the referral coordinators own: unroutable, past the deadline, or undeliverable."""
    now = now or timezone.now()
    past_deadline = Q(status=Referral.Status.PENDING, acceptance_deadline__lte=now)
    return Q(status=Referral.Status.UNROUTABLE) | past_deadline | delivery_failed(now)


def coordinator_referrals(user: Any) -> Q | None:
    """The referrals ``user`` sees as a referral coordinator (``needs_coordinator``), beyond
    their own; None when ``user`` is not one. Screens, the APIs and the admin all ask this."""
    return needs_coordinator() if is_coordinator(user) else None


def referral_needs_coordinator(referral: Referral) -> bool:
    return Referral.objects.filter(needs_coordinator(), pk=referral.pk).exists()


def referrals_with_failed_delivery(
    now: datetime.datetime | None = None, *, past_grace: bool = False
) -> QuerySet[Referral]:
    """Pending referrals stuck on a failed delivery (see ``delivery_failed``), longest waiting first."""
    return Referral.objects.filter(delivery_failed(now, past_grace=past_grace)).order_by("updated_at", "id")


def practices_needing_attention() -> QuerySet[Practice]:
    """Practices whose channel failed twice or more in a row, longest failing first."""
    failing = Practice.objects.filter(delivery_failures_in_a_row__gte=NEEDS_ATTENTION_AFTER)
    return failing.order_by("updated_at", "id")


def failed_notifications_by_kind(since: datetime.datetime) -> list[dict[str, Any]]:
    """Notifications written since ``since`` that failed, counted per kind (event and recipient).

    Each item holds ``event_kind``, ``recipient_kind`` and ``failed``; the most failed kind first.
    """
    counts = (
        Outbox.objects.filter(status=Outbox.Status.FAILED, created_at__gte=since)
        .values("event_kind", "recipient_kind")
        .annotate(failed=Count("id"))
        .order_by("-failed", "event_kind", "recipient_kind")
    )
    return list(counts)
