"""Reads of the public directory: who is near a place, one provider, the catalog.

Geosearch runs in the database on SQLite and PostgreSQL alike: an indexed
bounding-box prefilter on latitude/longitude (``location_lat_lng_idx``), then the
exact haversine distance, computed, filtered and ordered in SQL. Providers and
practices share one distance expression, ``distance_km_expression``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.db.models import (
    Count,
    F,
    FloatField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import ASin, Cos, Sqrt
from django.db.models.lookups import LessThanOrEqual
from django.shortcuts import get_object_or_404

from directory.geo import Origin, bounding_box, earth_radius_km
from directory.models import Condition, Practice, PracticeLocation, Procedure, Provider

LOCATIONS_IN_RADIUS_ATTR = "locations_in_radius"


DEGREES_TO_RADIANS = math.pi / 180


def haversine_expression(origin: Origin, *, lat_field: str = "latitude", lng_field: str = "longitude") -> Any:
    """SQL expression for hav(central angle) between ``origin`` and the row: 0 here, 1 at the antipode.

    Written as (1 - cos d)/2 rather than sin^2(d/2): three COS calls per row and plain
    arithmetic for the rest, which matters on SQLite, where each math function is a
    Python callback. ``lat_field``/``lng_field`` may traverse relations.
    """
    # The origin's terms are constants: fold them here rather than in every row's SQL.
    phi0 = math.radians(origin.lat)
    lambda0 = math.radians(origin.lng)
    phi = F(lat_field) * _float(DEGREES_TO_RADIANS)
    d_lambda = F(lng_field) * _float(DEGREES_TO_RADIANS) - _float(lambda0)
    one = _float(1.0)
    return (one - Cos(phi - _float(phi0))) / _float(2.0) + _float(math.cos(phi0) / 2) * Cos(phi) * (
        one - Cos(d_lambda)
    )


def km_from_haversine(origin: Origin, haversine: Any) -> Any:
    """SQL expression turning a haversine expression (or aggregate) into kilometres."""
    return _float(2 * earth_radius_km(origin.lat)) * ASin(Sqrt(haversine))


def distance_km_expression(
    origin: Origin, *, lat_field: str = "latitude", lng_field: str = "longitude"
) -> Any:
    """SQL expression for the great-circle distance in km from ``origin`` to the row's coordinates.

    Same sphere as ``geo.great_circle_km``: the Gaussian radius at the origin's latitude,
    which keeps it within ~0.3% of the geodesic distance.
    """
    return km_from_haversine(origin, haversine_expression(origin, lat_field=lat_field, lng_field=lng_field))


def _float(value: float) -> Value:
    return Value(value, output_field=FloatField())


def _within_radius(origin: Origin, radius_km: float, *, prefix: str = "") -> Q:
    """Bounding box (index-served) AND exact distance <= radius, for fields under ``prefix``.

    The distance test compares the haversine with hav(radius / R): the same circle as
    ``distance <= radius`` without the ASIN and SQRT per row.
    """
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    lat_field, lng_field = f"{prefix}latitude", f"{prefix}longitude"
    angle = min(radius_km / earth_radius_km(origin.lat), math.pi)
    return Q(
        LessThanOrEqual(
            haversine_expression(origin, lat_field=lat_field, lng_field=lng_field),
            _float((1 - math.cos(angle)) / 2),
        ),
        **{f"{lat_field}__gte": min_lat, f"{lat_field}__lte": max_lat},
        **{f"{lng_field}__gte": min_lng, f"{lng_field}__lte": max_lng},
    )


class ProvidersNear:
    """The result of a provider search: counts and slices in SQL, like a queryset.

    ``count()`` and ``len()`` give the number of providers found; slicing runs one
    aggregate query ranking provider ids by distance (grouped by id alone, so the
    database sorts narrow rows), then fetches just that page's providers with their
    locations in the radius and catalog entries. Each provider returned carries
    ``distance_km``, ``nearest_location`` and ``nearest_location_id``.

    ``page(number, size)`` gets a page and the total from the same ranking query
    (a ``COUNT(*) OVER ()`` window), saving the separate count on the hot path.
    """

    def __init__(self, *, ranked: QuerySet[Provider, Any], origin: Origin, radius_km: float) -> None:
        self._ranked = ranked
        self._origin = origin
        self._radius_km = radius_km
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self._ranked.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    # Items are Providers with the search's extra attributes, hence Any for type checkers.
    def __iter__(self) -> Iterator[Any]:
        return iter(self[:])

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        ranked = list(self._ranked.values_list("pk", "distance_km")[index])  # type: ignore[misc]
        return self._hydrate(ranked)

    def page(self, number: int, size: int) -> tuple[list[Any], int]:
        """(the providers on page ``number`` of ``size``, the total found); pages count from 1."""
        offset = (number - 1) * size
        rows = list(
            self._ranked.annotate(total=Window(Count("pk"))).values_list("pk", "distance_km", "total")[
                offset : offset + size
            ]
        )
        if rows:
            self._count = rows[0][2]
        elif offset == 0:
            self._count = 0
        return self._hydrate([(pk, distance_km) for pk, distance_km, _ in rows]), self.count()

    def _hydrate(self, ranked: list[tuple[int, float]]) -> list[Any]:
        if not ranked:
            return []
        ids = [pk for pk, _ in ranked]
        nearby_locations = (
            PracticeLocation.objects.filter(_within_radius(self._origin, self._radius_km))
            .annotate(distance_km=distance_km_expression(self._origin))
            .select_related("practice")
            .order_by("distance_km", "pk")
        )
        providers = Provider.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("locations", queryset=nearby_locations, to_attr=LOCATIONS_IN_RADIUS_ATTR),
            "procedures",
            "conditions",
            "languages",
        )
        by_id = {provider.pk: provider for provider in providers}
        page: list[Any] = []
        for pk, distance_km in ranked:
            provider: Any = by_id[pk]
            nearby = getattr(provider, LOCATIONS_IN_RADIUS_ATTR)
            provider.distance_km = distance_km
            provider.nearest_location = nearby[0] if nearby else None
            provider.nearest_location_id = nearby[0].pk if nearby else None
            page.append(provider)
        return page


def providers_near(
    *,
    origin: Origin,
    radius_km: float,
    procedure: str | None = None,
    condition: str | None = None,
    accepting: bool | None = None,
    language: str | None = None,
) -> ProvidersNear:
    """Listed providers with a location within ``radius_km`` of ``origin``, each once.

    Each carries ``distance_km`` (to its nearest location in the radius) and
    ``nearest_location``. Ordered by distance, then last and first name, then NPI, so
    pages are stable. Filters take catalog slugs / a language code; None means "any".
    Sliceable and countable (Django's Paginator takes it as it is).
    """
    filters = Q(is_listed=True) & _within_radius(origin, radius_km, prefix="locations__")
    if procedure is not None:
        filters &= Q(procedures__slug=procedure)
    if condition is not None:
        filters &= Q(conditions__slug=condition)
    if language is not None:
        filters &= Q(languages__code=language)
    if accepting is not None:
        filters &= Q(accepting_new_patients=accepting)
    haversine = haversine_expression(
        origin, lat_field="locations__latitude", lng_field="locations__longitude"
    )
    # One filter() call so the radius test and the Min() share the same location join;
    # values("pk") first so the aggregate groups by the id alone. The nearest location
    # has the smallest haversine: only that one per provider is turned into km.
    ranked = (
        Provider.objects.filter(filters)
        .values("pk")
        .annotate(distance_km=km_from_haversine(origin, Min(haversine)))
        .order_by("distance_km", "last_name", "first_name", "npi")
    )
    return ProvidersNear(ranked=ranked, origin=origin, radius_km=radius_km)


@dataclass(frozen=True)
class PracticeDistance:
    """A practice, its nearest qualifying location and how far that is, in km."""

    practice: Practice
    location: PracticeLocation
    distance_km: float


def practices_near(
    *,
    origin: Origin,
    radius_km: float,
    procedure: str | None = None,
    condition: str | None = None,
) -> list[PracticeDistance]:
    """Practices accepting referrals with a qualifying location within ``radius_km``, nearest first.

    A location qualifies when a listed provider practising there offers ``procedure``
    and treats ``condition`` (each None = any). Each practice appears once, at its
    nearest qualifying location; ties are broken by practice name, then id.
    """
    provider_filter = Q(providers__is_listed=True)
    if procedure is not None:
        provider_filter &= Q(providers__procedures__slug=procedure)
    if condition is not None:
        provider_filter &= Q(providers__conditions__slug=condition)
    locations = (
        PracticeLocation.objects.filter(
            _within_radius(origin, radius_km) & Q(practice__accepting_referrals=True) & provider_filter
        )
        .annotate(distance_km=distance_km_expression(origin))
        .order_by("distance_km", "practice__name", "practice_id", "pk")
        .select_related("practice")
        .distinct()
    )
    nearest: dict[int, PracticeDistance] = {}
    for location in locations:
        if location.practice_id not in nearest:
            nearest[location.practice_id] = PracticeDistance(
                practice=location.practice,
                location=location,
                distance_km=location.distance_km,
            )
    return list(nearest.values())


def provider_by_npi(npi: str) -> Provider:
    """The listed provider with this NPI, with locations and catalog entries; Http404 otherwise."""
    queryset = Provider.objects.filter(is_listed=True).prefetch_related(
        Prefetch("locations", queryset=PracticeLocation.objects.select_related("practice")),
        "procedures",
        "conditions",
        "languages",
    )
    return get_object_or_404(queryset, npi=npi)


def procedure_list() -> QuerySet[Procedure]:
    """Every procedure in the catalog, by name."""
    return Procedure.objects.order_by("name")


def condition_list() -> QuerySet[Condition]:
    """Every condition in the catalog, by name."""
    return Condition.objects.order_by("name")
