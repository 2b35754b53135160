"""Reads of the public directory: who is near a place, one provider, the catalog.

Geosearch runs in the database on SQLite and PostgreSQL alike, with arithmetic only:
each location stores its unit vector on the sphere (``geo.unit_vector``), and the dot
product with the origin's vector is the cosine of the central angle between them. An
indexed bounding-box prefilter (``location_band_lng_unit_idx``: latitude band, then
longitude, carrying the vector) narrows the rows, ``closeness >= cos(radius / R)`` is the
exact great-circle radius test, and ordering by closeness, largest first, is ordering
by exact distance. Kilometres are computed in Python for the rows a caller gets
(``geo.great_circle_km``, the same sphere), never per row in SQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

from django.db.models import (
    Count,
    F,
    FloatField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.lookups import GreaterThanOrEqual
from django.shortcuts import get_object_or_404

from directory.geo import Origin, bounding_box, great_circle_km, lat_bands, min_closeness, unit_vector
from directory.models import Condition, Practice, PracticeLocation, Procedure, Provider

LOCATIONS_IN_RADIUS_ATTR = "locations_in_radius"


def closeness_expression(origin: Origin, *, prefix: str = "") -> Any:
    """SQL expression for the dot product of the row's unit vector with ``origin``'s.

    The cosine of the central angle: 1 at the origin, falling with distance, so larger
    is nearer. Three multiplications and two additions per row, no function calls (which
    on SQLite would each be a Python callback). ``prefix`` may traverse relations.
    """
    x, y, z = unit_vector(origin.lat, origin.lng)
    return (
        F(f"{prefix}unit_x") * _float(x) + F(f"{prefix}unit_y") * _float(y) + F(f"{prefix}unit_z") * _float(z)
    )


def location_distance_km(origin: Origin, location: PracticeLocation) -> float:
    """Great-circle km from ``origin`` to a located ``location``, on the search's sphere."""
    assert location.latitude is not None and location.longitude is not None
    return great_circle_km(origin.lat, origin.lng, location.latitude, location.longitude)


def _float(value: float) -> Value:
    return Value(value, output_field=FloatField())


def _within_radius(origin: Origin, radius_km: float, *, prefix: str = "") -> Q:
    """Bounding box (index-served) AND exact great-circle distance <= radius, under ``prefix``.

    The index is read per latitude band, over the box's longitude range only. The
    distance test is ``closeness >= cos(radius / R)``: the same circle as
    ``distance <= radius``, answered from the index's columns alone.
    """
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    lat_field, lng_field = f"{prefix}latitude", f"{prefix}longitude"
    return Q(
        GreaterThanOrEqual(
            closeness_expression(origin, prefix=prefix), _float(min_closeness(origin, radius_km))
        ),
        **{f"{prefix}lat_band__in": lat_bands(min_lat, max_lat)},
        **{f"{lat_field}__gte": min_lat, f"{lat_field}__lte": max_lat},
        **{f"{lng_field}__gte": min_lng, f"{lng_field}__lte": max_lng},
    )


class ProvidersNear:
    """The result of a provider search: counts and slices in SQL, like a queryset.

    ``count()`` and ``len()`` give the number of providers found; slicing runs one
    aggregate query ranking provider ids by closeness (grouped by id alone, so the
    database sorts narrow rows), then fetches just that page's providers with their
    locations in the radius and catalog entries. Each provider returned carries
    ``distance_km`` (to its nearest location, computed here for the page only),
    ``nearest_location`` and ``nearest_location_id``.

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
        ranked = list(self._ranked.values_list("pk", flat=True)[index])
        return self._hydrate(ranked)

    def page(self, number: int, size: int) -> tuple[list[Any], int]:
        """(the providers on page ``number`` of ``size``, the total found); pages count from 1."""
        offset = (number - 1) * size
        rows = list(
            self._ranked.annotate(total=Window(Count("pk"))).values_list("pk", "total")[
                offset : offset + size
            ]
        )
        if rows:
            self._count = rows[0][1]
        elif offset == 0:
            self._count = 0
        return self._hydrate([pk for pk, _ in rows]), self.count()

    def _hydrate(self, ids: list[int]) -> list[Any]:
        if not ids:
            return []
        nearby_locations = (
            PracticeLocation.objects.filter(_within_radius(self._origin, self._radius_km))
            .annotate(closeness=closeness_expression(self._origin))
            .select_related("practice")
            .order_by("-closeness", "pk")
        )
        providers = Provider.objects.filter(pk__in=ids).prefetch_related(
            Prefetch("locations", queryset=nearby_locations, to_attr=LOCATIONS_IN_RADIUS_ATTR),
            "procedures",
            "conditions",
            "languages",
        )
        by_id = {provider.pk: provider for provider in providers}
        page: list[Any] = []
        for pk in ids:
            provider: Any = by_id[pk]
            nearby = getattr(provider, LOCATIONS_IN_RADIUS_ATTR)
            provider.distance_km = location_distance_km(self._origin, nearby[0]) if nearby else None
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
    # One filter() call so the radius test and the Max() share the same location join;
    # values("pk") first so the aggregate groups by the id alone. A provider's nearest
    # location is its closest: the largest dot product.
    ranked = (
        Provider.objects.filter(filters)
        .values("pk")
        .annotate(closeness=Max(closeness_expression(origin, prefix="locations__")))
        .order_by("-closeness", "last_name", "first_name", "npi")
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
        .annotate(closeness=closeness_expression(origin))
        .order_by("-closeness", "practice__name", "practice_id", "pk")
        .select_related("practice")
        .distinct()
    )
    nearest: dict[int, PracticeDistance] = {}
    for location in locations:
        if location.practice_id not in nearest:
            nearest[location.practice_id] = PracticeDistance(
                practice=location.practice,
                location=location,
                distance_km=location_distance_km(origin, location),
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
