"""Reads of the public directory: who is near a place, one provider, the catalog.

Geosearch runs in the database on SQLite and PostgreSQL alike, with arithmetic only:
each location stores its unit vector on the sphere (``geo.unit_vector``), and the dot
product with the origin's vector is the cosine of the central angle between them. An
indexed bounding-box prefilter (latitude band, then longitude, carrying the vector)
narrows the rows, ``closeness >= cos(radius / R)`` is the exact great-circle radius
test, and ordering by closeness, largest first, is ordering by exact distance.
Kilometres are computed in Python for the rows a caller gets (``geo.great_circle_km``,
the same sphere), never per row in SQL.

Provider searches read the search listing (``SearchListing``, kept by
``directory.search_index``): one row per listed provider at each located location with
the filters and the provider's earlier locations on the row, so counting, filtering and
ranking use covering indexes and no joins. Rows are indexed by grid cell
(``directory.search_grid``); a count adds stored totals for the cells wholly inside the
circle and tests rows only in the ring of cells on its edge (on PostgreSQL, in crowded
circles only). Referral routing
(``practices_near``) reads the locations themselves, where it needs the practices' own
state.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.lookups import GreaterThanOrEqual
from django.shortcuts import get_object_or_404

from directory.geo import (
    Origin,
    bounding_box,
    earth_radius_km,
    great_circle_km,
    lat_bands,
    min_closeness,
    unit_vector,
)
from directory.models import (
    Condition,
    Language,
    Practice,
    PracticeLocation,
    Procedure,
    Provider,
    SearchCell,
    SearchListing,
    SearchListingVersion,
)
from directory.search_grid import CELL_DEGREES, LEVELS, CircleCells, circle_cells, coarse, fine_cell
from directory.search_index import EARLIER_KEPT, catalog_bit, current_version


def closeness_expression(origin: Origin) -> Any:
    """SQL expression for the dot product of the row's unit vector with ``origin``'s.

    The cosine of the central angle: 1 at the origin, falling with distance, so larger
    is nearer. Three multiplications and two additions per row, no function calls (which
    on SQLite would each be a Python callback).
    """
    x, y, z = unit_vector(origin.lat, origin.lng)
    return F("unit_x") * _float(x) + F("unit_y") * _float(y) + F("unit_z") * _float(z)


def location_distance_km(origin: Origin, location: PracticeLocation) -> float:
    """Great-circle km from ``origin`` to a located ``location``, on the search's sphere."""
    assert location.latitude is not None and location.longitude is not None
    return great_circle_km(origin.lat, origin.lng, location.latitude, location.longitude)


def _float(value: float) -> Value:
    return Value(value, output_field=FloatField())


def _within_radius(origin: Origin, radius_km: float) -> Q:
    """Bounding box (index-served) AND exact great-circle distance <= radius, for the ORM.

    The index is read per latitude band, over the box's longitude range only. The
    distance test is ``closeness >= cos(radius / R)``: the same circle as
    ``distance <= radius``, answered from the index's columns alone. ``_circle`` is the
    same test written as SQL, for the search listing's hand-written queries.
    """
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    # The box first, so the arithmetic runs only for rows inside it.
    box = Q(
        lat_band__in=lat_bands(min_lat, max_lat),
        longitude__gte=min_lng,
        longitude__lte=max_lng,
        latitude__gte=min_lat,
        latitude__lte=max_lat,
    )
    return box & Q(GreaterThanOrEqual(closeness_expression(origin), _float(min_closeness(origin, radius_km))))


_T = TypeVar("_T")


class ProvidersNear:
    """The result of a provider search: counted and ranked in SQL, sliceable like a queryset.

    Reads the search listing (``SearchListing``: a row per listed provider at each
    located location, see ``directory.search_index``) and nothing else until a page is
    chosen. ``count()`` is one aggregate over the rows in the radius, counting each
    provider once.
    A page is ranked within the smallest circle known to hold it: every provider with a
    location within ``r`` of the origin ranks before every provider without, so the first
    ``n`` providers of the whole search are the first ``n`` within any circle holding
    ``n`` of them. The circle is guessed from the density around the origin, which the
    count reads from the grid cells' totals (or, filtered by catalog, from the count
    itself), and widened by what it held (the third try takes the whole radius), so a
    first page sorts tens of rows, in a city as in the country.

    Each provider returned carries ``distance_km`` (to its nearest location),
    ``nearest_location`` and ``nearest_location_id``, and its catalog entries in catalog
    order as lists: ``offered_procedures``, ``treated_conditions``, ``spoken_languages``.
    Its own columns come with the ranking; fields a result never shows are deferred.
    """

    def __init__(
        self,
        *,
        filters: _Sql,
        origin: Origin,
        radius_km: float,
        accepting: bool | None = None,
        by_catalog: bool = False,
    ) -> None:
        self._filters = filters  # every filter, as SQL over the listing's columns
        self._accepting = accepting
        self._by_catalog = by_catalog  # filtered by procedure, condition or language
        self._origin = origin
        self._radius_km = radius_km
        self._count: int | None = None
        self._nearby: int | None = None  # see _nearby_leads
        self._version: str | None = None

    def count(self) -> int:
        if self._count is None:
            self._count, self._nearby = self._cached(("count",), self._count_now)
        return self._count

    def _cached(self, what: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        """``compute()``, kept in the cache under this search, ``what`` and the listing's version.

        Any change to the listing commits a new version with it, so a cached answer is
        never one the database would not give now.
        """
        seconds = settings.SEARCH_CACHE_SECONDS
        if seconds <= 0:
            return compute()
        alias = SearchListing.objects.db
        if self._version is None:
            self._version = current_version(alias)
        search = (alias, self._version, self._origin.lat, self._origin.lng, self._radius_km, self._filters)
        key = "directory-search:" + hashlib.sha256(repr((search, what)).encode()).hexdigest()
        found = cache.get(key)
        if found is None:
            found = compute()
            cache.set(key, found, seconds)
        return cast(_T, found)

    def _count_now(self) -> tuple[int, int | None]:
        """Providers found, each once: lead rows in the circle, plus other rows no earlier location beat.

        A provider's lead row (its first location) counts when it is in the circle; any
        other row counts when none of its provider's earlier locations is; a provider
        with many locations is counted with a DISTINCT. Without catalog filters, the
        lead rows of grid cells wholly inside the circle are added from the cells'
        totals, and other rows there need no distance test of their own: only the ring
        of cells on the circle's edge is tested row by row.

        PostgreSQL counts a circle with one DISTINCT unless its box is crowded: there each
        index range costs about as much as reading 30 rows, and the hundred-odd ranges of
        the ring only pay where the circle holds thousands of providers. The first
        statement reads the coarse cells' totals over the box and counts with the
        DISTINCT only when they are under ``_CROWDED_BOX_LEADS``; a crowded circle is then
        counted by cells in a second statement, so the half millisecond of Python that
        building it costs is spent only where it pays off.
        """
        if not _on_postgresql():
            # The catalog filters have no totals in the cells (the accepting flag has).
            cells = None if self._by_catalog else circle_cells(self._origin, self._radius_km)
            count, count_params = self._count_without_distinct(cells)
        elif self._by_catalog:
            count, count_params = self._distinct_count()
        else:
            crowd, crowd_params = self._leads_in_box()
            distinct, distinct_params = self._distinct_count()
            count = f"(CASE WHEN {crowd} < %s THEN {distinct} END)"  # NULL when crowded
            count_params = [*crowd_params, _CROWDED_BOX_LEADS, *distinct_params]
        nearby, nearby_params = self._nearby_leads()
        sql = f"SELECT {count}, {_VERSION}, {nearby}"
        row = _fetch(sql, [*count_params, *nearby_params])[0]
        if row[0] is None:
            cells = circle_cells(self._origin, self._radius_km)
            crowded, crowded_params = (
                self._distinct_count() if cells is None else self._count_without_distinct(cells)
            )
            row = (_fetch(f"SELECT {crowded}", crowded_params)[0][0], *row[1:])
        return self._counted(row)

    def _distinct_count(self) -> _Sql:
        """SQL counting the providers with a row in the circle with one DISTINCT."""
        circle, circle_params = _circle(self._origin, self._radius_km, "l.")
        filters, filter_params = self._filters
        return (
            f"(SELECT COUNT(DISTINCT l.provider_id) FROM {_LISTING} l "  # noqa: S608
            f"WHERE {circle}{filters.replace('{p}', 'l.')})",
            [*circle_params, *filter_params],
        )

    def _count_without_distinct(self, cells: CircleCells | None) -> _Sql:
        """SQL counting lead rows and other rows no earlier location beat, by ``cells`` when given."""
        filters, filter_params = self._filters
        circle, circle_params = _circle(self._origin, self._radius_km, "l.")
        where_filters = filters.replace("{p}", "l.")
        not_earlier, earlier_params = self._no_earlier_location_in_circle()
        parts: list[_Sql] = [
            (
                f"(SELECT COUNT(DISTINCT l.provider_id) FROM {_LISTING} l "  # noqa: S608
                f"WHERE l.many_places AND {circle}{where_filters})",
                [*circle_params, *filter_params],
            )
        ]
        if cells is None:
            parts += [
                (
                    f"(SELECT COUNT(*) FROM {_LISTING} l WHERE l.lead AND {circle}{where_filters})",  # noqa: S608
                    [*circle_params, *filter_params],
                ),
                (
                    f"(SELECT COALESCE(SUM(CASE WHEN {not_earlier} THEN 1 ELSE 0 END), 0) FROM {_LISTING} l "  # noqa: S608
                    f"WHERE NOT l.lead AND NOT l.many_places AND {circle}{where_filters})",
                    [*earlier_params, *circle_params, *filter_params],
                ),
            ]
        else:
            in_circle, in_circle_params = _closeness_test(self._origin, self._radius_km, "l.unit", ">=")
            if cells.inside:
                parts.append(self._inside_totals(cells))
            parts.append(
                _over_runs(
                    ("COUNT(*)", []),
                    (f"l.lead AND {in_circle}{where_filters}", [*in_circle_params, *filter_params]),
                    cells.ring,
                )
            )
            # Other rows, a fine row at a time: inside cells need no distance test of their own.
            parts.append(
                _over_runs(
                    (
                        f"SUM(CASE WHEN (l.cell_lng BETWEEN r.column4 AND r.column5 OR {in_circle}) "
                        f"AND {not_earlier} THEN 1 ELSE 0 END)",
                        [*in_circle_params, *earlier_params],
                    ),
                    (f"NOT l.lead AND NOT l.many_places{where_filters}", filter_params),
                    cells.rows,
                )
            )
        return "(" + " + ".join(part for part, _ in parts) + ")", [
            param for _, part_params in parts for param in part_params
        ]

    def _counted(self, row: tuple[Any, ...]) -> tuple[int, int | None]:
        """(the count, the nearby leads) from a count's row; the version in it is kept if none is yet.

        Reading the version with the count spares a search without the result cache a
        statement: the page's catalog is kept in the process by that version.
        """
        if self._version is None:
            self._version = row[1] or ""
        return int(row[0]), row[2]  # PostgreSQL sums the cells' totals as numeric

    def _nearby_leads(self) -> _Sql:
        """SQL for the providers listed first in the 3 by 3 fine cells around the origin; NULL by catalog.

        Read with the count from the cells' totals, so the ranking can size its first
        circle by the density around the origin rather than across the whole radius:
        practices crowd a city's centre.
        """
        if self._by_catalog:
            return "NULL", []
        row, column = fine_cell(self._origin.lat, self._origin.lng)
        return (
            f"(SELECT COALESCE(SUM(c.{self._leads_column()}), 0) FROM {_CELLS} c "  # noqa: S608
            # Three index ranges: a range of rows would read them across the whole country.
            "WHERE c.level = 1 AND c.cell_lat IN (%s, %s, %s) AND c.cell_lng >= %s AND c.cell_lng <= %s)",
            [row - 1, row, row + 1, column - 1, column + 1],
        )

    def _leads_in_box(self) -> _Sql:
        """SQL for the providers listed first in the coarsest cells over the circle's box: its crowd."""
        level = LEVELS[-1]
        min_lat, max_lat, min_lng, max_lng = bounding_box(self._origin, self._radius_km)
        first_row, first_column = coarse(fine_cell(min_lat, min_lng), level)
        last_row, last_column = coarse(fine_cell(max_lat, max_lng), level)
        return (
            f"(SELECT COALESCE(SUM(c.leads), 0) FROM {_CELLS} c "  # noqa: S608
            "WHERE c.level = %s AND c.cell_lat = ANY(%s) AND c.cell_lng >= %s AND c.cell_lng <= %s)",
            [level, list(range(first_row, last_row + 1)), first_column, last_column],
        )

    def _leads_column(self) -> str:
        """The cells' total for the accepting filter."""
        return {None: "leads", True: "accepting_leads", False: "leads - accepting_leads"}[self._accepting]

    def _inside_totals(self, cells: CircleCells) -> _Sql:
        """SQL adding the lead totals of the cells wholly inside the circle."""
        column = self._leads_column()
        runs, runs_params = _runs(cells.inside)
        return (
            f"(SELECT COALESCE(SUM((SELECT COALESCE(SUM(c.{column}), 0) FROM {_CELLS} c "  # noqa: S608
            "WHERE c.level = %s AND c.cell_lat = r.column1 "
            f"AND c.cell_lng >= r.column2 AND c.cell_lng <= r.column3)), 0) FROM {runs} r)",
            [cells.level, *runs_params],
        )

    def _no_earlier_location_in_circle(self) -> _Sql:
        """SQL true when none of the row's (``l``) earlier locations is in the circle."""
        terms: list[str] = []
        params: list[Any] = []
        for number in range(1, EARLIER_KEPT + 1):
            earlier = f"l.earlier{number}"
            outside, outside_params = _closeness_test(self._origin, self._radius_km, earlier, "<")
            terms.append(f"({earlier}_x IS NULL OR {outside})")
            params += outside_params
        return " AND ".join(terms), params

    def _where(self, radius_km: float, prefix: str = "") -> _Sql:
        """The listing rows within ``radius_km`` that pass the filters, columns under ``prefix``."""
        circle, params = _circle(self._origin, radius_km, prefix)
        filters, filter_params = self._filters
        return circle + filters.replace("{p}", prefix), [*params, *filter_params]

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
        start, stop, step = index.indices(self.count())
        if step != 1:
            raise ValueError("A search is sliced with step 1 only.")
        return self._hydrate(self._ranked(start, stop))

    def page(self, number: int, size: int) -> tuple[list[Any], int]:
        """(the providers on page ``number`` of ``size``, the total found); pages count from 1."""
        offset = (number - 1) * size
        return self[offset : offset + size], self.count()

    def _ranked(self, start: int, stop: int) -> list[_Hit]:
        """The providers ranked ``start`` to ``stop`` - 1, each at their nearest location."""
        return self._cached(("ranked", start, stop), lambda: self._ranked_now(start, stop))

    def _ranked_now(self, start: int, stop: int) -> list[_Hit]:
        total = self.count()
        stop = min(stop, total)
        if start >= stop:
            return []
        # Start with a circle expected to hold the page, and widen by what the last circle
        # held: a circle far too wide would sort a thousand rows for twenty. Providers
        # crowd city centres, so the density around the origin sizes it where the cells
        # have it; otherwise the whole search's density, with a margin for the crowding.
        # The third try is the whole radius, so a page costs at most three ranking queries.
        radius_km = min(self._radius_km, self._first_radius_km(stop, total))
        for attempt in range(3):
            ranked = self._first_within(radius_km, stop)
            if len(ranked) >= stop or radius_km >= self._radius_km:
                break
            growth = math.sqrt(stop / len(ranked)) * 1.2 if ranked else 2.0
            widened = radius_km * min(4.0, max(1.25, growth))
            radius_km = min(self._radius_km, widened if attempt == 0 else self._radius_km)
        return ranked[start:stop]

    def _first_radius_km(self, wanted: int, total: int) -> float:
        """The radius of the first circle a ranking of the first ``wanted`` providers tries."""
        if self._nearby:
            # Three fine cells a side around the origin, in km (a cell is narrower east to west).
            side_km = 3 * CELL_DEGREES * math.radians(earth_radius_km(self._origin.lat))
            area = side_km * side_km * max(0.01, math.cos(math.radians(self._origin.lat)))
            return math.sqrt(wanted * 1.5 * area / (math.pi * self._nearby))
        return self._radius_km * math.sqrt(wanted / total) * 0.6

    def _first_within(self, radius_km: float, wanted: int) -> list[_Hit]:
        """The first ``wanted`` providers with a location within ``radius_km``, each at their nearest.

        One statement ranks the listing rows, keeps each provider's nearest row and joins
        the page's rows to their location and practice, so a page needs no second read.
        Ties in distance are broken by name, which only the provider's row holds; joining
        it for every row in the circle cost 10 ms where a small circle held 2,000 rows. So
        the statement first finds, from the index alone, how close the ``limit``-th nearest
        row is, and joins only rows at least that close: the rows the page can hold, ties
        included.
        """
        where, params = self._where(radius_km, "l.")
        edge_where, edge_params = self._where(radius_km, "e.")
        x, y, z = unit_vector(self._origin.lat, self._origin.lng)
        closeness = "{p}unit_x * %s + {p}unit_y * %s + {p}unit_z * %s"
        edge = (
            f"COALESCE((SELECT {closeness.format(p='e.')} AS c FROM {_LISTING} e "  # noqa: S608
            f"WHERE {edge_where} ORDER BY c DESC LIMIT 1 OFFSET %s), -2)"
        )
        ranking = (
            f"SELECT l.location_id, l.procedure_bits, l.condition_bits, l.language_bits, "  # noqa: S608
            f"{', '.join(f'p.{name} AS p_{name}' for name in _HIT_PROVIDER_FIELDS)}, "
            f"{closeness.format(p='l.')} AS closeness "
            f"FROM {_LISTING} l INNER JOIN {_PROVIDER} p ON p.id = l.provider_id "
            f"WHERE {where} AND {closeness.format(p='l.')} >= {edge} "
            "ORDER BY closeness DESC, p.last_name, p.first_name, p.npi, l.location_id LIMIT %s"
        )
        hit_columns = [
            "location_id",
            "procedure_bits",
            "condition_bits",
            "language_bits",
            *(f"p_{name}" for name in _HIT_PROVIDER_FIELDS),
        ]
        order_terms = ["closeness DESC", "p_last_name", "p_first_name", "p_npi", "location_id"]
        order = ", ".join(order_terms)
        # Each provider at their nearest row (the first of theirs), the first ``wanted`` of
        # them: only those rows join their location and practice.
        firsts = (
            f"SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.p_id ORDER BY {order}) AS nth, "  # noqa: S608
            f"COUNT(*) OVER () AS rows_read FROM ({ranking}) r"
        )
        page = f"SELECT * FROM ({firsts}) f WHERE f.nth = 1 ORDER BY {order} LIMIT %s"  # noqa: S608
        sql = (
            f"SELECT h.rows_read, {', '.join(f'h.{column}' for column in hit_columns)}, "  # noqa: S608
            f"{', '.join(f'loc.{column}' for column in _LOCATION_COLUMNS)}, "
            f"{', '.join(f'pr.{name}' for name in _PRACTICE_FIELDS)} "
            f"FROM ({page}) h INNER JOIN {_LOCATION} loc ON loc.id = h.location_id "
            f"INNER JOIN {_PRACTICE} pr ON pr.id = loc.practice_id "
            f"ORDER BY {', '.join(f'h.{term}' for term in order_terms)}"
        )
        limit = wanted * 2 + 16
        providers = len(_HIT_PROVIDER_FIELDS)
        while True:
            rows = _fetch(sql, [x, y, z, *params, x, y, z, x, y, z, *edge_params, limit - 1, limit, wanted])
            hits = [
                _Hit(
                    location_id,
                    procedure_bits,
                    condition_bits,
                    language_bits,
                    tuple(rest[:providers]),
                    tuple(rest[providers:]),
                )
                for _, location_id, procedure_bits, condition_bits, language_bits, *rest in rows
            ]
            rows_read = rows[0][0] if rows else 0
            if len(hits) == wanted or rows_read < limit:  # enough, or every row in the circle was read
                return hits
            limit *= 4

    def _hydrate(self, ranked: list[_Hit]) -> list[Any]:
        """Providers at their locations (all from the ranking's own columns), with their catalog entries."""
        if not ranked:
            return []
        alias = SearchListing.objects.db
        catalog = _Catalog.load(ranked, self._version)
        split = len(_LOCATION_ATTNAMES)
        page: list[Any] = []
        for hit in ranked:
            provider: Any = Provider.from_db(alias, _HIT_PROVIDER_FIELDS, hit.provider)
            location = PracticeLocation.from_db(alias, _LOCATION_ATTNAMES, hit.location[:split])
            location.practice = Practice.from_db(alias, _PRACTICE_FIELDS, hit.location[split:])
            provider.distance_km = location_distance_km(self._origin, location)
            provider.nearest_location = location
            provider.nearest_location_id = location.pk
            provider.offered_procedures = catalog.entries(Procedure, hit)
            provider.treated_conditions = catalog.entries(Condition, hit)
            provider.spoken_languages = catalog.entries(Language, hit)
            page.append(provider)
        return page


# What a ranked row carries: the provider's columns (deferring the rest) and the bit sets.
_HIT_PROVIDER_FIELDS = [
    "id",
    "npi",
    "first_name",
    "middle_name",
    "last_name",
    "credential",
    "accepting_new_patients",
]
# ... and its location's columns that a result shows, then the practice's name and phone (the rest
# of each deferred: parsing the locations' timestamps cost a twentieth of a search's time).
_LOCATION_SHOWN = {
    "id",
    "practice_id",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "latitude",
    "longitude",
}
_LOCATION_FIELDS = [
    field for field in PracticeLocation._meta.concrete_fields if field.attname in _LOCATION_SHOWN
]
_LOCATION_ATTNAMES = [field.attname for field in _LOCATION_FIELDS]
_LOCATION_COLUMNS = [field.column for field in _LOCATION_FIELDS]
_PRACTICE_FIELDS = ["id", "name", "phone"]
_CatalogModel = type[Procedure] | type[Condition] | type[Language]
_BITS_OF: dict[_CatalogModel, str] = {
    Procedure: "procedure_bits",
    Condition: "condition_bits",
    Language: "language_bits",
}


@dataclass(frozen=True)
class _Hit:
    location_id: int
    procedure_bits: int
    condition_bits: int
    language_bits: int
    provider: tuple[Any, ...]  # values of _HIT_PROVIDER_FIELDS
    location: tuple[Any, ...]  # values of _LOCATION_ATTNAMES, then of _PRACTICE_FIELDS


@dataclass(frozen=True)
class _Catalog:
    """The catalog entries of a page's providers, read from the rows' bit sets.

    One query for the three catalogs (they are small), kept in the process while the
    listing's version stays (a catalog change writes a new one). A kind with an entry
    past the bit sets' width (``catalog_bit`` None) is read from its link table for the
    page instead.
    """

    entries_by_kind: dict[_CatalogModel, list[tuple[int, Any]]]  # (bit, entry), in catalog order
    linked: dict[_CatalogModel, dict[int, set[int]]]

    @classmethod
    def load(cls, ranked: list[_Hit], version: str | None) -> _Catalog:
        """The catalog for these hits; ``version`` is the listing's, when the search read it."""
        alias = SearchListing.objects.db
        kept = _CATALOG_KEPT.get(alias)
        if version and kept and kept[0] == version:
            by_bit = kept[1]
        else:
            by_bit = cls._read(alias)
            if version:
                _CATALOG_KEPT[alias] = (version, by_bit)
        linked = {
            model: _links(model, [hit.provider[0] for hit in ranked])
            for model, entries in by_bit.items()
            if any(bit == 0 for bit, _ in entries)
        }
        return cls(entries_by_kind=by_bit, linked=linked)

    @staticmethod
    def _read(alias: str) -> dict[_CatalogModel, list[tuple[int, Any]]]:
        kinds: list[tuple[_CatalogModel, str]] = [
            (Procedure, "slug"),
            (Condition, "slug"),
            (Language, "code"),
        ]
        connection = connections[alias]
        quote = connection.ops.quote_name
        # Names from model metadata, quoted; no values. One round trip for three small tables.
        sql = " UNION ALL ".join(
            f"SELECT {number}, id, {quote(key)}, name FROM {quote(model._meta.db_table)}"  # noqa: S608
            for number, (model, key) in enumerate(kinds)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            union = cursor.fetchall()
        entries: dict[_CatalogModel, list[Any]] = {model: [] for model, _ in kinds}
        for number, pk, key, name in union:
            model, key_field = kinds[number]
            entries[model].append(model.from_db(alias, ["id", key_field, "name"], (pk, key, name)))
        by_bit: dict[_CatalogModel, list[tuple[int, Any]]] = {}
        for model, found in entries.items():
            found.sort(key=lambda entry: (entry.name, entry.pk))  # the catalog's own ordering
            by_bit[model] = [(catalog_bit(entry.pk) or 0, entry) for entry in found]
        return by_bit

    def entries(self, model: _CatalogModel, hit: _Hit) -> list[Any]:
        """The entries of ``model`` the hit's provider is linked to, in catalog order."""
        if model in self.linked:
            pks = self.linked[model].get(hit.provider[0], set())
            return [entry for _, entry in self.entries_by_kind[model] if entry.pk in pks]
        bits = getattr(hit, _BITS_OF[model])
        return [entry for bit, entry in self.entries_by_kind[model] if bits & bit]


# On PostgreSQL, a count uses the cells' totals when the coarsest cells over the circle's box
# list at least this many providers first: about a third of the searches at a million
# locations. There the count's p95 fell from 4.6-5.2 ms to 3.2-3.3 ms, its median unchanged.
_CROWDED_BOX_LEADS = 5000

# Per database alias: (the listing version it was read at, the catalog by bit).
_CATALOG_KEPT: dict[str, tuple[str, dict[_CatalogModel, list[tuple[int, Any]]]]] = {}


def _links(model: _CatalogModel, provider_ids: list[int]) -> dict[int, set[int]]:
    name = model._meta.model_name
    through = Provider._meta.get_field(f"{name}s").remote_field.through  # type: ignore[union-attr]
    linked: dict[int, set[int]] = {}
    for provider_id, pk in through.objects.filter(provider_id__in=provider_ids).values_list(
        "provider_id", f"{name}_id"
    ):
        linked.setdefault(provider_id, set()).add(pk)
    return linked


_Sql = tuple[str, list[Any]]  # an SQL fragment and its parameters
_LISTING = SearchListing._meta.db_table
_CELLS = SearchCell._meta.db_table
_PROVIDER = Provider._meta.db_table
_LOCATION = PracticeLocation._meta.db_table
_VERSION = f"(SELECT token FROM {SearchListingVersion._meta.db_table} WHERE id = 1)"  # noqa: S608
_PRACTICE = Practice._meta.db_table


def _on_postgresql() -> bool:
    """Whether the search listing lives on PostgreSQL (some statements take another shape there)."""
    return connections[SearchListing.objects.db].vendor == "postgresql"


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    # Hand-written SQL on the hot path: building these queries with the ORM cost more
    # than running them (about 1.8 ms of Python per count at a million locations).
    with _search_cursor(connections[SearchListing.objects.db]) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _search_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor for the search's statements; on PostgreSQL, one that prepares them when settings allow.

    Django's PostgreSQL cursors bind parameters on the client, which rules out prepared
    statements, so with ``prepare_threshold`` set (``portal.settings``) the search runs
    on a cursor binding them on the server, wrapped as Django wraps its own (errors,
    query logging). A search's statement then skips parsing and, once PostgreSQL keeps a
    generic plan, planning: about half a millisecond off a search's median at a million
    locations.
    """
    options = connection.settings_dict["OPTIONS"]
    if connection.vendor != "postgresql" or options.get("prepare_threshold") is None:
        return connection.cursor()
    import psycopg

    connection.validate_thread_sharing()
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    if connection.queries_logged:
        return _ServerBoundDebugCursor(cursor, connection)
    return CursorWrapper(cursor, connection)


class _ServerBoundDebugCursor(CursorDebugWrapper):
    """Django's query log for a cursor binding on the server: each statement as composed on the client.

    Django reads a logged statement's text back from a client-binding cursor, which a
    prepared statement's execution does not leave behind.
    """

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params), params):
            return CursorWrapper.execute(self, sql, params)


def _over_runs(value: _Sql, where: _Sql, runs: Sequence[tuple[int, ...]]) -> _Sql:
    """SQL summing ``value`` over the listing rows (``l``) matching ``where`` in each run of fine cells.

    A run is (fine row, first fine column, last fine column, ...): one index range each;
    ``value`` and ``where`` may read the run's further numbers as ``r.column4`` onwards.
    """
    table, table_params = _runs(runs)
    sql = (
        f"(SELECT COALESCE({value[0]}, 0) FROM {table} r INNER JOIN {_LISTING} l "  # noqa: S608
        "ON l.cell_lat = r.column1 AND l.cell_lng >= r.column2 AND l.cell_lng <= r.column3 "
        f"WHERE {where[0]})"
    )
    return sql, [*value[1], *table_params, *where[1]]


def _runs(runs: Sequence[tuple[int, ...]]) -> _Sql:
    """The runs as a table of integer columns ``column1`` onwards.

    SQLite reads a VALUES list. PostgreSQL takes one array per column, so the statement's
    text, and with it the prepared statement, is the same however many runs a circle has.
    """
    width = len(runs[0])
    if _on_postgresql():
        arrays = ", ".join(["%s::integer[]"] * width)
        columns = ", ".join(f"column{number}" for number in range(1, width + 1))
        # Placeholders and column names only; the numbers are parameters.
        table = f"(SELECT * FROM unnest({arrays}) AS r({columns}))"  # noqa: S608
        return table, [list(column) for column in zip(*runs, strict=True)]
    values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(runs))
    return f"(VALUES {values})", [number for run in runs for number in run]


def _circle(origin: Origin, radius_km: float, prefix: str) -> _Sql:
    """Listing rows within ``radius_km`` of ``origin``: the index's box of cells, then the exact test."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    first_row, first_column = fine_cell(min_lat, min_lng)
    last_row, last_column = fine_cell(max_lat, max_lng)
    rows = list(range(first_row, last_row + 1))
    p = prefix
    in_circle, in_circle_params = _closeness_test(origin, radius_km, f"{p}unit", ">=")
    # One index range per row of cells. PostgreSQL takes the rows as one array: an IN list
    # of 38 numbers put the count past the 50 parameters up to which psycopg keeps a
    # statement's parsed form, and parsing it again cost a tenth of a search under load.
    rows_params: list[Any]
    if _on_postgresql():
        in_rows, rows_params = f"{p}cell_lat = ANY(%s)", [rows]
    else:
        in_rows, rows_params = f"{p}cell_lat IN ({', '.join(['%s'] * len(rows))})", rows
    sql = (
        f"{in_rows} AND {p}cell_lng >= %s AND {p}cell_lng <= %s"
        f" AND {p}longitude >= %s AND {p}longitude <= %s AND {p}latitude >= %s AND {p}latitude <= %s"
        f" AND {in_circle}"
    )
    params = [*rows_params, first_column, last_column, min_lng, max_lng, min_lat, max_lat]
    return sql, [*params, *in_circle_params]


def _closeness_test(origin: Origin, radius_km: float, vector: str, comparison: str) -> _Sql:
    """SQL comparing the unit vector in columns ``{vector}_x``, ``_y``, ``_z`` with the circle's edge.

    ``>=`` holds within ``radius_km`` of ``origin``, ``<`` beyond it.
    """
    x, y, z = unit_vector(origin.lat, origin.lng)
    sql = f"{vector}_x * %s + {vector}_y * %s + {vector}_z * %s {comparison} %s"
    return sql, [x, y, z, min_closeness(origin, radius_km)]


def _listed_with(kind: _CatalogModel, value: str) -> _Sql:
    """Rows whose provider has the catalog entry (procedure/condition slug, language code).

    Columns are written ``{p}column`` for the caller's table prefix.
    """
    field = "code" if kind is Language else "slug"
    pk = kind.objects.filter(**{field: value}).values_list("pk", flat=True).first()
    if pk is None:
        return " AND 1 = 0", []
    name = kind._meta.model_name
    bit = catalog_bit(pk)
    if bit is not None:
        return f" AND ({{p}}{name}_bits & %s) <> 0", [bit]
    through = Provider._meta.get_field(f"{name}s").remote_field.through  # type: ignore[union-attr]
    return (
        f" AND {{p}}provider_id IN (SELECT provider_id FROM {through._meta.db_table} WHERE {name}_id = %s)",  # noqa: S608
        [pk],
    )


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
    parts: list[_Sql] = []
    if procedure is not None:
        parts.append(_listed_with(Procedure, procedure))
    if condition is not None:
        parts.append(_listed_with(Condition, condition))
    if language is not None:
        parts.append(_listed_with(Language, language))
    if accepting is not None:
        parts.append((" AND {p}accepting_new_patients = %s", [accepting]))
    filters = ("".join(sql for sql, _ in parts), [param for _, params in parts for param in params])
    return ProvidersNear(
        filters=filters,
        origin=origin,
        radius_km=radius_km,
        accepting=accepting,
        by_catalog=any(value is not None for value in (procedure, condition, language)),
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
