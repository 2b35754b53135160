"""Reads of the public directory: who is near a place, one provider, the catalog.

The directory search is one plain ORM query, the same on SQLite and PostgreSQL. Each
location stores its unit vector on the sphere (``geo.unit_vector``); the dot product
with the origin's vector is the cosine of the central angle between them, so
``closeness >= cos(radius / R)`` is the exact great-circle radius test and ordering by
closeness, largest first, is ordering by distance. An indexed bounding box (latitude
band, then longitude) narrows the rows before that arithmetic runs. Kilometres are
computed in Python for the rows a caller gets (``geo.great_circle_km``, the same sphere).
The contract is in ``docs/api.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple, overload

from django.db.models import Exists, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Value, Window
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import RowNumber
from django.db.models.lookups import GreaterThanOrEqual
from django.shortcuts import get_object_or_404

from directory.geo import Origin, bounding_box, great_circle_km, lat_bands, min_closeness, unit_vector
from directory.models import Condition, PracticeLocation, Procedure, Provider

# One row per provider at one of their locations: what a provider search ranks.
ProviderLocation = Provider.locations.through


def closeness_expression(origin: Origin, prefix: str = "") -> CombinedExpression:
    """The dot product of the location's unit vector (fields under ``prefix``) with ``origin``'s.

    The cosine of the central angle: 1 at the origin, falling with distance, so larger is nearer.
    """
    x, y, z = unit_vector(origin.lat, origin.lng)
    return (
        F(f"{prefix}unit_x") * _float(x) + F(f"{prefix}unit_y") * _float(y) + F(f"{prefix}unit_z") * _float(z)
    )


def within_radius(origin: Origin, radius_km: float, prefix: str = "") -> Q:
    """Locations (fields under ``prefix``) within ``radius_km`` great-circle km of ``origin``.

    The bounding box first (served by the location index, a longitude range per latitude
    band), then the exact test ``closeness >= cos(radius / R)``.
    """
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    box = Q(
        **{
            f"{prefix}lat_band__in": lat_bands(min_lat, max_lat),
            f"{prefix}longitude__gte": min_lng,
            f"{prefix}longitude__lte": max_lng,
            f"{prefix}latitude__gte": min_lat,
            f"{prefix}latitude__lte": max_lat,
        }
    )
    edge = _float(min_closeness(origin, radius_km))
    return box & Q(GreaterThanOrEqual(closeness_expression(origin, prefix), edge))


def location_distance_km(origin: Origin, location: PracticeLocation) -> float:
    """Great-circle km from ``origin`` to a located ``location``, on the search's sphere."""
    assert location.latitude is not None and location.longitude is not None
    return great_circle_km(origin.lat, origin.lng, location.latitude, location.longitude)


def _float(value: float) -> Value:
    return Value(value, output_field=FloatField())


def _listed_with(
    rows: QuerySet[Any],
    *,
    procedure: str | None,
    condition: str | None,
    accepting: bool | None,
    language: str | None,
) -> QuerySet[Any]:
    """``rows`` (of the provider-location table) whose provider is listed and passes the filters.

    Catalog slugs and a language code are unique, so each join adds no rows; None means "any".
    """
    rows = rows.filter(provider__is_listed=True)
    if procedure is not None:
        rows = rows.filter(provider__procedures__slug=procedure)
    if condition is not None:
        rows = rows.filter(provider__conditions__slug=condition)
    if language is not None:
        rows = rows.filter(provider__languages__code=language)
    if accepting is not None:
        rows = rows.filter(provider__accepting_new_patients=accepting)
    return rows


@dataclass(frozen=True)
class NearestLocation:
    """A provider found by a search, by id: their nearest location's id, and how far it is in km."""

    provider_id: int
    location_id: int
    distance_km: float


class ProviderSearch:
    """Providers found near a place, each once at their nearest location: countable and sliceable.

    Django's Paginator takes it as it is. Each provider returned carries ``distance_km``
    (to its nearest location in the radius), ``nearest_location`` (with its practice) and
    ``nearest_location_id``, and its catalog entries in catalog order as lists of
    ``CatalogEntry`` (slug or code, and name): ``offered_procedures``, ``treated_conditions``,
    ``spoken_languages``.
    """

    def __init__(self, *, origin: Origin, rows: QuerySet[Any]) -> None:
        self._origin = origin
        self._rows = rows  # provider-location rows in the circle that pass the filters
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self._rows.values("provider_id").distinct().count()
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
        if index.step not in (None, 1):
            raise ValueError("A search is sliced with step 1 only.")
        return self._hydrate(list(self._ranked().values_list("pk", flat=True)[index]))

    def page(self, number: int, size: int) -> tuple[list[Any], int]:
        """(the providers on page ``number`` of ``size``, the total found); pages count from 1."""
        offset = (number - 1) * size
        return self[offset : offset + size], self.count()

    def nearest(self, start: int, stop: int) -> list[NearestLocation]:
        """Ranked providers ``start`` to ``stop`` - 1: ids and nearest location only, nothing else read."""
        columns = [
            "provider_id",
            "practicelocation_id",
            "practicelocation__latitude",
            "practicelocation__longitude",
        ]
        return [
            NearestLocation(
                provider_id, location_id, great_circle_km(self._origin.lat, self._origin.lng, lat, lng)
            )
            for provider_id, location_id, lat, lng in self._ranked().values_list(*columns)[start:stop]
        ]

    def _ranked(self) -> QuerySet[Any]:
        """Each provider's nearest row (the lower location id on a tie), nearest first, ties by name."""
        closeness = closeness_expression(self._origin, "practicelocation__")
        nearest_first = [closeness.desc(), F("practicelocation_id").asc()]
        return (
            self._rows.annotate(
                closeness=closeness,
                nth=Window(RowNumber(), partition_by=F("provider_id"), order_by=nearest_first),
            )
            .filter(Q(nth=1))
            .order_by("-closeness", "provider__last_name", "provider__first_name", "provider__npi")
        )

    def _hydrate(self, row_ids: list[int]) -> list[Any]:
        """The providers of these rows, in this order, at the rows' locations, with their catalog entries."""
        by_id = ProviderLocation.objects.select_related("provider", "practicelocation__practice").in_bulk(
            row_ids
        )
        providers = [self._provider_at(by_id[row_id]) for row_id in row_ids]
        attach_catalog_entries(providers)
        return providers

    def _provider_at(self, row: Any) -> Any:
        provider: Any = row.provider
        provider.nearest_location = row.practicelocation
        provider.nearest_location_id = row.practicelocation_id
        provider.distance_km = location_distance_km(self._origin, row.practicelocation)
        return provider


class CatalogEntry(NamedTuple):
    """A procedure or condition (``slug``) or a language (``code``) as a search result lists it."""

    slug: str
    name: str

    @property
    def code(self) -> str:
        return self.slug


# (relation on Provider, its catalog model's key field, the attribute a search result gets)
_CATALOG_RELATIONS = (
    ("procedures", "slug", "offered_procedures"),
    ("conditions", "slug", "treated_conditions"),
    ("languages", "code", "spoken_languages"),
)


ALL_CATALOGS = ("procedures", "conditions", "languages")


def attach_catalog_entries(providers: list[Any], relations: tuple[str, ...] = ALL_CATALOGS) -> None:
    """Give each provider its procedures, conditions and languages (or just ``relations``), each
    list in catalog order, as ``offered_procedures``, ``treated_conditions``, ``spoken_languages``.

    One query per relation reading the link rows with the entries' key and name: a page of
    twenty providers links a few hundred entries, and building a model instance for each
    (as a prefetch does) cost more than the search's own queries.
    """
    ids = [provider.pk for provider in providers]
    for relation, key, to_attr in _CATALOG_RELATIONS:
        if relation not in relations:
            continue
        entries: dict[int, list[CatalogEntry]] = {provider_id: [] for provider_id in ids}
        target = getattr(Provider, relation).field.m2m_reverse_field_name()
        links = (
            getattr(Provider, relation)
            .through.objects.filter(provider_id__in=ids)
            .order_by(f"{target}__name", f"{target}_id")
            .values_list("provider_id", f"{target}__{key}", f"{target}__name")
        )
        for provider_id, slug, name in links:
            entries[provider_id].append(CatalogEntry(slug, name))
        for provider in providers:
            setattr(provider, to_attr, entries[provider.pk])


def providers_near(
    *,
    origin: Origin,
    radius_km: float,
    procedure: str | None = None,
    condition: str | None = None,
    accepting: bool | None = None,
    language: str | None = None,
    providers: QuerySet[Provider] | None = None,
) -> ProviderSearch:
    """Listed providers with a location within ``radius_km`` of ``origin``, each once.

    Each at their nearest location in the radius (the lower location id on a tie), ordered
    by distance, then last and first name, then NPI, so pages are stable. Filters take
    catalog slugs / a language code, None meaning "any"; ``accepting`` keeps open (True)
    or closed (False) lists; ``providers`` narrows the search to any provider queryset.
    """
    rows = ProviderLocation.objects.filter(within_radius(origin, radius_km, "practicelocation__"))
    rows = _listed_with(
        rows, procedure=procedure, condition=condition, accepting=accepting, language=language
    )
    if providers is not None:
        rows = rows.filter(Exists(providers.filter(pk=OuterRef("provider_id"))))
    return ProviderSearch(origin=origin, rows=rows)


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
