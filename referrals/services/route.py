"""Sending a referral to a practice: the best candidate found by routing, or one chosen by hand."""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from directory.enrolment import enrolment_gaps
from directory.models import Practice, PracticeLocation
from referrals import routing
from referrals.models import Referral, ReferralEvent
from referrals.services.errors import InvalidInput
from referrals.services.timeline import record_event
from referrals.services.transition import referral_transition
from referrals.workflow import Action

Status = Referral.Status
EventKind = ReferralEvent.Kind


def acceptance_deadline(disposition: str, *, now: datetime.datetime) -> datetime.datetime:
    """When a practice must have answered a referral of this urgency."""
    hours = settings.REFERRAL_ACCEPTANCE_HOURS.get(disposition, settings.REFERRAL_ACCEPTANCE_HOURS["soon"])
    return now + datetime.timedelta(hours=hours)


def _placement(
    referral: Referral,
    *,
    practice: Practice | None,
    location: PracticeLocation | None = None,
    distance_mi: float | None = None,
) -> dict[str, Any]:
    """The fields that put ``referral`` with ``practice`` (or, for None, with nobody)."""
    deadline = None if practice is None else acceptance_deadline(referral.disposition, now=timezone.now())
    return {
        "practice": practice,
        "practice_location": location,
        "practice_distance_mi": distance_mi,
        "acceptance_deadline": deadline,
    }


def _assign(
    referral: Referral,
    *,
    practice: Practice | None,
    location: PracticeLocation | None = None,
    distance_mi: float | None = None,
) -> None:
    fields = _placement(referral, practice=practice, location=location, distance_mi=distance_mi)
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.status = Status.UNROUTABLE if practice is None else Status.PENDING
    referral.save(update_fields=[*fields, "status", "updated_at"])


def _listed_locations(shortlist: list[routing.Candidate]) -> dict[int, PracticeLocation]:
    """The shortlisted locations by id, with their practices, in one read: the chosen one's
    rows and every candidate's address. A location removed since the search is missing."""
    if not shortlist:
        return {}
    ids = [candidate.location_id for candidate in shortlist]
    return PracticeLocation.objects.select_related("practice").in_bulk(ids)


# No savepoint of its own: it raises nothing a caller could recover from inside its transaction.
@transaction.atomic(savepoint=False)
def referral_route(
    *, referral: Referral, actor: Any = None, asked: Collection[int] | None = None
) -> Referral:
    """Send ``referral`` to the best candidate practice, or mark it unroutable if none fits.

    Only practices receiving referrals are candidates (docs/workflow.md). The routing
    event keeps the ranked shortlist. Practices that declined, timed out, could not be
    reached or left on this referral (``asked``; None: read from its events) are never
    chosen again. Returns the referral as saved, carrying the shortlist as shown
    (``routed_shortlist``) when it was routed.
    """
    from_status = referral.status
    shortlist = routing.shortlist_for(referral, asked=asked)
    listed = _listed_locations(shortlist)
    shortlist = [candidate for candidate in shortlist if candidate.location_id in listed]
    referral.routed_shortlist = None
    if not shortlist:
        _assign(referral, practice=None)
        explanation = routing.unroutable_explanation(referral)
        record_event(
            referral, kind=EventKind.UNROUTABLE, actor=actor, from_status=from_status, comment=explanation
        )
        return referral
    best = shortlist[0]
    location = listed[best.location_id]
    _assign(referral, practice=location.practice, location=location, distance_mi=best.distance_mi)
    stored = [candidate.as_json() for candidate in shortlist]
    record_event(
        referral,
        kind=EventKind.ROUTED,
        actor=actor,
        from_status=from_status,
        practice=location.practice,
        shortlist=stored,
    )
    referral.routed_shortlist = [{**entry, "address": str(listed[entry["location_id"]])} for entry in stored]
    return referral


@transaction.atomic
def referral_route_by_hand(*, referral: Referral, user: Any, practice: Practice) -> Referral:
    """Send an unroutable referral to a practice chosen by a person; it awaits that practice.

    Refused (``InvalidInput`` on ``practice``, naming the reason) unless the practice
    receives referrals.
    """
    with referral_transition(Action.ROUTE_BY_HAND, referral=referral, user=user) as change:
        if not Practice.objects.receiving_referrals().filter(pk=practice.pk).exists():
            gaps = enrolment_gaps(practice) or {"enrolled_at": "it is not enrolled"}
            reasons = "; ".join(gaps.values())
            raise InvalidInput({"practice": [f"{practice.name} does not receive referrals: {reasons}."]})
        change.fields.update(_placement(referral, practice=practice))
    return referral
