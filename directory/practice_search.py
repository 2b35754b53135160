"""Which practices are near a place: for routing, routing by hand and the demo (docs/workflow.md).

The same circle as the provider search (``selectors.within_radius``), asked of practice
locations: each practice once, at its nearest location where a listed provider offers what
is asked. ``practices_near`` returns whole rows for pages that show them;
``practice_hits_near`` returns ids, names and distances for routing, which ranks hundreds
of candidates in a city and reads whole rows only for the few it lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from directory.enrolment import receiving_referrals_condition
from directory.geo import Origin, great_circle_km
from directory.models import Practice, PracticeLocation
from directory.selectors import within_radius


@dataclass(frozen=True)
class PracticeDistance:
    """A practice, its nearest qualifying location and how far that is, in km."""

    practice: Practice
    location: PracticeLocation
    distance_km: float

    @property
    def practice_id(self) -> int:
        return int(self.practice.pk)


@dataclass(frozen=True)
class PracticeHit:
    """A practice's nearest qualifying location as ids, the practice's name and the distance in km."""

    practice_id: int
    practice_name: str
    location_id: int
    distance_km: float


# A catalog entry to search for: its slug, its id, or None for any.
CatalogFilter = str | int | None


def _offering(*, procedure: CatalogFilter, condition: CatalogFilter) -> Q:
    """Locations where a listed provider offers ``procedure`` and treats ``condition``.

    By id, the search needs no join to the catalog table; PostgreSQL plans it faster
    (routing has the ids).
    """
    offering = Q(providers__is_listed=True)
    for relation, wanted in (("procedures", procedure), ("conditions", condition)):
        if isinstance(wanted, str):
            offering &= Q(**{f"providers__{relation}__slug": wanted})
        elif wanted is not None:
            offering &= Q(**{f"providers__{relation}": wanted})
    return offering


def _qualifying_locations(
    origin: Origin,
    radius_km: float,
    *,
    procedure: CatalogFilter,
    condition: CatalogFilter,
    receiving_only: bool,
) -> QuerySet[PracticeLocation]:
    """Locations of accepting practices within ``radius_km`` that have a fitting listed provider.

    Unordered, once per fitting provider there. The circle is its own subquery, answered
    from the location index alone (it carries the practice): in a city it holds tens of
    thousands of locations. ``receiving_only`` keeps practices receiving referrals: the
    circle keeps those of enrolled practices (a few thousand at most among every practice
    NPPES lists), and the other conditions are checked on the locations it keeps. Putting
    every condition in the circle made PostgreSQL expect a handful of receiving practices
    and walk all of them (seconds for a rural ZIP at 1,000,000 locations) instead of the
    circle (tests/bench/bench_referrals.py).
    """
    in_circle = PracticeLocation.objects.filter(within_radius(origin, radius_km))
    practice_condition = Q(practice__accepting_referrals=True)
    if receiving_only:
        in_circle = in_circle.filter(practice__in=Practice.objects.filter(enrolled_at__isnull=False))
        practice_condition = receiving_referrals_condition("practice__")
    offering = _offering(procedure=procedure, condition=condition)
    return PracticeLocation.objects.filter(Q(pk__in=in_circle.values("pk")) & practice_condition & offering)


def practices_near(
    *,
    origin: Origin,
    radius_km: float,
    procedure: CatalogFilter = None,
    condition: CatalogFilter = None,
    receiving_only: bool = False,
) -> list[PracticeDistance]:
    """Practices accepting referrals with a qualifying location within ``radius_km``, nearest first.

    A location qualifies when a listed provider practising there offers ``procedure`` and
    treats ``condition`` (each a catalog slug or id; None = any). Each practice appears
    once, at its nearest qualifying location; ties are broken by practice name, then id.
    ``receiving_only`` keeps practices receiving referrals (docs/workflow.md), in the query.
    ``practice_hits_near``'s answer, with the rows of its locations and practices read in
    one more query.
    """
    hits = practice_hits_near(
        origin=origin,
        radius_km=radius_km,
        procedure=procedure,
        condition=condition,
        receiving_only=receiving_only,
    )
    rows = PracticeLocation.objects.select_related("practice").in_bulk([hit.location_id for hit in hits])
    return [
        PracticeDistance(
            practice=rows[hit.location_id].practice,
            location=rows[hit.location_id],
            distance_km=hit.distance_km,
        )
        for hit in hits
        if hit.location_id in rows
    ]


def practice_hits_near(
    *,
    origin: Origin,
    radius_km: float,
    procedure: CatalogFilter = None,
    condition: CatalogFilter = None,
    receiving_only: bool = False,
) -> list[PracticeHit]:
    """Each qualifying practice once, nearest first, as ids, its name and the distance in km.

    What ``practices_near`` finds, without reading whole rows: routing weighs every
    candidate in a city (hundreds of rows) and needs the full rows of only the few it lists.
    The rows come unsorted and are ordered here (nearest first, then by practice name and
    id), which keeps the query simple to plan.
    """
    rows = _qualifying_locations(
        origin, radius_km, procedure=procedure, condition=condition, receiving_only=receiving_only
    ).values_list("practice_id", "practice__name", "pk", "latitude", "longitude")
    located = []
    for practice_id, name, location_id, latitude, longitude in rows:
        assert latitude is not None and longitude is not None  # the circle holds located rows only
        km = great_circle_km(origin.lat, origin.lng, latitude, longitude)
        located.append(PracticeHit(practice_id, name, location_id, km))
    located.sort(key=lambda hit: (hit.distance_km, hit.practice_name, hit.practice_id, hit.location_id))
    nearest: dict[int, PracticeHit] = {}
    for hit in located:
        nearest.setdefault(hit.practice_id, hit)
    return list(nearest.values())
