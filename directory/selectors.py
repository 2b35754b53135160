"""Reads of the public directory: who is near a place, one provider, the catalog.

Geosearch runs in the database on SQLite and PostgreSQL alike: an indexed
bounding-box prefilter on latitude/longitude (``location_lat_lng_idx``), then the
exact haversine distance, computed, filtered and ordered in SQL. Providers and
practices share one distance expression, ``distance_km_expression``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    F,
    FloatField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt
from django.db.models.lookups import LessThanOrEqual
from django.shortcuts import get_object_or_404

from directory.geo import Origin, bounding_box, earth_radius_km
from directory.models import Condition, Practice, PracticeLocation, Procedure, Provider

LOCATIONS_IN_RADIUS_ATTR = "locations_in_radius"


def distance_km_expression(
    origin: Origin, *, lat_field: str = "latitude", lng_field: str = "longitude"
) -> Any:
    """SQL expression for the haversine distance in km from ``origin`` to the row's coordinates.

    Same sphere as ``geo.great_circle_km``: the Gaussian radius at the origin's latitude,
    which keeps it within ~0.3% of the geodesic distance. ``lat_field``/``lng_field``
    may traverse relations (``locations__latitude``).
    """
    lat0 = Value(origin.lat, output_field=FloatField())
    lng0 = Value(origin.lng, output_field=FloatField())
    lat = F(lat_field)
    lng = F(lng_field)
    half_d_lat = Sin((Radians(lat) - Radians(lat0)) / 2)
    half_d_lng = Sin((Radians(lng) - Radians(lng0)) / 2)
    h = Power(half_d_lat, 2) + Cos(Radians(lat0)) * Cos(Radians(lat)) * Power(half_d_lng, 2)
    # Rounding can push h a hair above 1 for antipodal points; ASIN would then fail.
    h_clamped = Least(h, Value(1.0, output_field=FloatField()))
    return Value(2 * earth_radius_km(origin.lat), output_field=FloatField()) * ASin(Sqrt(h_clamped))


def _within_radius(origin: Origin, radius_km: float, *, prefix: str = "") -> Q:
    """Bounding box (index-served) AND exact distance <= radius, for fields under ``prefix``."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    lat_field, lng_field = f"{prefix}latitude", f"{prefix}longitude"
    distance = distance_km_expression(origin, lat_field=lat_field, lng_field=lng_field)
    return Q(
        LessThanOrEqual(distance, Value(radius_km, output_field=FloatField())),
        **{f"{lat_field}__gte": min_lat, f"{lat_field}__lte": max_lat},
        **{f"{lng_field}__gte": min_lng, f"{lng_field}__lte": max_lng},
    )


class ProvidersNearQuerySet(QuerySet[Provider, Any]):
    """Providers with ``distance_km``; each fetched row also gets ``nearest_location``.

    ``nearest_location`` is the provider's closest location within the search radius
    (``nearest_location_id`` its id), taken from one prefetch of the page's
    locations ordered by the same SQL distance.
    """

    def _fetch_all(self) -> None:
        super()._fetch_all()
        for provider in self._result_cache or []:
            if isinstance(provider, Provider):
                nearby = getattr(provider, LOCATIONS_IN_RADIUS_ATTR, None)
                setattr(provider, "nearest_location", nearby[0] if nearby else None)  # noqa: B010
                setattr(provider, "nearest_location_id", nearby[0].pk if nearby else None)  # noqa: B010


def providers_near(
    *,
    origin: Origin,
    radius_km: float,
    procedure: str | None = None,
    condition: str | None = None,
    accepting: bool | None = None,
    language: str | None = None,
) -> ProvidersNearQuerySet:
    """Listed providers with a location within ``radius_km`` of ``origin``, each once.

    Each is annotated with ``distance_km`` (to its nearest location in the radius) and,
    once fetched, carries ``nearest_location``. Ordered by distance, then last and first
    name, then NPI, so pages are stable. Filters take catalog slugs / a language code;
    None means "any". Counting and slicing stay in SQL: one aggregate query per page.
    """
    in_radius = _within_radius(origin, radius_km, prefix="locations__")
    filters = Q(is_listed=True) & in_radius
    if procedure is not None:
        filters &= Q(procedures__slug=procedure)
    if condition is not None:
        filters &= Q(conditions__slug=condition)
    if language is not None:
        filters &= Q(languages__code=language)
    if accepting is not None:
        filters &= Q(accepting_new_patients=accepting)

    nearby_locations = (
        PracticeLocation.objects.filter(_within_radius(origin, radius_km))
        .annotate(distance_km=distance_km_expression(origin))
        .select_related("practice")
        .order_by("distance_km", "pk")
    )
    distance = distance_km_expression(
        origin, lat_field="locations__latitude", lng_field="locations__longitude"
    )
    # One filter() call so the radius test and the Min() share the same location join.
    queryset = ProvidersNearQuerySet(model=Provider).filter(filters)
    return (
        queryset.annotate(distance_km=Min(distance))
        .order_by("distance_km", "last_name", "first_name", "npi")
        .prefetch_related(
            Prefetch("locations", queryset=nearby_locations, to_attr=LOCATIONS_IN_RADIUS_ATTR),
            "procedures",
            "conditions",
            "languages",
        )
    )


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
