"""Which practice a referral goes to: the ranked shortlist of candidates (docs/workflow.md).

Distances come from the directory's own search (``practice_hits_near``), limited in the
query to practices receiving referrals; this module only drops practices already asked,
counts workload and ranks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count

from directory.geo import KM_PER_MILE, Origin, zip_centroid
from directory.models import Practice, PracticeLocation
from directory.practice_search import PracticeDistance, PracticeHit, practice_hits_near, practices_near
from referrals.models import Referral, ReferralEvent

# Events after which a practice is never offered the same referral again.
EXCLUDING_EVENT_KINDS = (
    ReferralEvent.Kind.DECLINED,
    ReferralEvent.Kind.TIMED_OUT,
    ReferralEvent.Kind.DELIVERY_FAILED,
    ReferralEvent.Kind.PRACTICE_UNENROLLED,
)


@dataclass(frozen=True)
class Candidate:
    """A practice that could take the referral, as stored on the routing event."""

    practice_id: int
    practice_name: str
    location_id: int
    distance_mi: float
    open_workload: int

    def as_json(self) -> dict[str, Any]:
        return {
            "practice_id": self.practice_id,
            "practice_name": self.practice_name,
            "location_id": self.location_id,
            "distance_mi": self.distance_mi,
            "open_workload": self.open_workload,
        }


def rank_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates nearest first; at the same distance (to 0.01 mi, as shown) the least busy first.

    Locations geocoded to the same ZIP centroid are exactly as far away, so the workload
    tie-break matters in practice, not only in theory.
    """
    return sorted(candidates, key=lambda c: (round(c.distance_mi, 2), c.open_workload, c.practice_id))


def routing_radius_km() -> float:
    return float(settings.REFERRAL_ROUTING_RADIUS_MILES) * KM_PER_MILE


def practices_already_asked(referral: Referral) -> set[int]:
    """Practices that declined, let the deadline pass, could not be reached or left, on this referral."""
    return set(
        referral.events.filter(kind__in=EXCLUDING_EVENT_KINDS, practice__isnull=False).values_list(
            "practice_id", flat=True
        )
    )


def open_workload(practice_ids: Collection[int]) -> dict[int, int]:
    """Open referrals (pending, accepted, scheduled) per practice; practices with none are absent."""
    rows = (
        Referral.objects.filter(practice_id__in=practice_ids, status__in=Referral.OPEN_STATUSES)
        .values("practice_id")
        .annotate(n=Count("id"))
        .values_list("practice_id", "n")
    )
    return dict(rows)


def nearby_candidates(
    *, origin: Origin, procedure: int | None, condition: int | None, asked: Collection[int]
) -> list[PracticeHit]:
    """The fitting practices receiving referrals within the routing radius of ``origin``, not yet asked."""
    found = practice_hits_near(
        origin=origin,
        radius_km=routing_radius_km(),
        procedure=procedure,
        condition=condition,
        receiving_only=True,
    )
    return [hit for hit in found if hit.practice_id not in asked]


def _wanted(referral: Referral) -> dict[str, int | None]:
    """The search's catalog filters, as ids: the procedure asked for, else the suspected condition."""
    procedure, condition = referral.requested_procedure_id, referral.suspected_condition_id
    return {"procedure": procedure, "condition": condition if procedure is None else None}


def shortlist_for(
    referral: Referral, *, size: int | None = None, asked: Collection[int] | None = None
) -> list[Candidate]:
    """The ranked candidates for ``referral`` (best first, at most ``size``); empty if none fit.

    Candidates are practices receiving referrals (enrolled, staffed, reachable, accepting)
    with a location within the routing radius of the patient's ZIP whose providers offer
    the requested procedure (or, when no procedure is named, treat the suspected
    condition), minus practices already ``asked`` (None: read from the referral's
    events). Practices not enrolled are never listed.
    """
    origin = zip_centroid(referral.patient.postal_code)
    if origin is None:
        return []
    size = size or settings.REFERRAL_SHORTLIST_SIZE
    if asked is None:
        asked = practices_already_asked(referral)
    nearby = nearby_candidates(origin=origin, asked=asked, **_wanted(referral))
    workload = open_workload([hit.practice_id for hit in nearby])
    ranked = rank_candidates(
        Candidate(
            practice_id=hit.practice_id,
            practice_name=hit.practice_name,
            location_id=hit.location_id,
            distance_mi=round(hit.distance_km / KM_PER_MILE, 2),
            open_workload=workload.get(hit.practice_id, 0),
        )
        for hit in nearby
    )
    return ranked[:size]


# Routing by hand looks wider than automatic routing: an unroutable referral found nobody
# suitable nearby, and the person choosing may send it farther or to another procedure.
HAND_ROUTING_RINGS_MILES = (50.0, 100.0, 250.0)
HAND_ROUTING_ENOUGH = 10  # practices to offer before the search stops widening
HAND_ROUTING_CHOICES = 50


@dataclass(frozen=True)
class HandRoutingOption:
    """A practice a person may send an unroutable referral to, and what they should know of it."""

    practice: Practice
    location: PracticeLocation
    distance_mi: float
    offers_requested_procedure: bool | None  # None: the referral names no procedure


def hand_routing_options(referral: Referral) -> list[HandRoutingOption]:
    """Practices receiving referrals near the patient, nearest first, for a person to choose from.

    Practices that already declined the referral or let it lapse are left out. The
    search widens through ``HAND_ROUTING_RINGS_MILES`` until ``HAND_ROUTING_ENOUGH`` are found.
    Each says whether a listed provider there offers the requested procedure.
    """
    origin = zip_centroid(referral.patient.postal_code)
    if origin is None:
        return []
    found = _hand_routing_hits(origin, practices_already_asked(referral))[:HAND_ROUTING_CHOICES]
    offering = _practices_offering(referral, found)
    return [
        HandRoutingOption(
            practice=hit.practice,
            location=hit.location,
            distance_mi=hit.distance_km / KM_PER_MILE,
            offers_requested_procedure=(
                hit.practice.pk in offering if referral.requested_procedure_id is not None else None
            ),
        )
        for hit in found
    ]


def _hand_routing_hits(origin: Origin, asked: Collection[int]) -> list[PracticeDistance]:
    """Receiving practices not yet asked, from the first ring that holds ``HAND_ROUTING_ENOUGH``."""
    found: list[PracticeDistance] = []
    for miles in HAND_ROUTING_RINGS_MILES:
        near = practices_near(origin=origin, radius_km=miles * KM_PER_MILE, receiving_only=True)
        found = [hit for hit in near if hit.practice_id not in asked]
        if len(found) >= HAND_ROUTING_ENOUGH:
            break
    return found


def _practices_offering(referral: Referral, hits: list[PracticeDistance]) -> set[int]:
    """Ids of the practices among ``hits`` where a listed provider offers the requested procedure."""
    if referral.requested_procedure_id is None:
        return set()
    return set(
        PracticeLocation.objects.filter(
            practice_id__in=[hit.practice.pk for hit in hits],
            providers__is_listed=True,
            providers__procedures=referral.requested_procedure_id,
        ).values_list("practice_id", flat=True)
    )


def unroutable_explanation(referral: Referral) -> str:
    """How far the search for ``referral`` went and what it found, in plain words."""
    origin = zip_centroid(referral.patient.postal_code)
    if origin is None:
        return "The patient's ZIP code could not be placed on the map, so no practice could be searched for."
    miles = float(settings.REFERRAL_ROUTING_RADIUS_MILES)
    wanted = referral.requested_procedure or referral.suspected_condition
    offering = f"offering {str(wanted).lower()}" if referral.requested_procedure else f"treating {wanted}"
    found = practice_hits_near(
        origin=origin, radius_km=miles * KM_PER_MILE, receiving_only=True, **_wanted(referral)
    )
    where = f"within {miles:g} miles of the patient's ZIP code"
    if not found:
        return f"We searched {where} and found no practice {offering} that receives referrals here."
    return (
        f"We searched {where} and considered {len(found)} practice(s) {offering}; each has declined, "
        "not answered in time, could not be reached or stopped receiving referrals."
    )
