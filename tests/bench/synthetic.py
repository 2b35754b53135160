"""Bulk-build a synthetic directory for benchmarks: practices, locations at real ZIP centroids, providers.

Rows are written straight into the directory tables in large batches (COPY on
PostgreSQL, executemany elsewhere) with explicit ids, so a million locations
take a minute or two rather than an hour of ORM saves. The shape follows a
real directory: a practice has one to four locations in nearby ZIPs (same
three-digit ZIP prefix), most locations have one or two providers, a provider
works at one or two locations of their practice, offers a few procedures,
treats a few conditions and speaks one or two languages.

Usage from another benchmark::

    from tests.bench.synthetic import populate_directory
    summary = populate_directory(locations=100_000, seed=7)
    summary.zip_codes  # the ZIPs that received locations, to draw searches from
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from directory.geo import lat_band, unit_vector
from directory.models import Condition, Language, Practice, PracticeLocation, Procedure, Provider
from directory.places import ZipPlace, all_zip_places
from directory.time_zones import zone_for_address

# About 0.01 degrees (~1 km): spreads an area's offices around its ZIP centroid.
JITTER_DEGREES = 0.01
LOCATIONS_PER_PRACTICE = (1, 4)
STREETS = ("Main St", "Medical Pkwy", "Hospital Dr", "Oak Ave", "Park Blvd", "Health Way", "2nd St")
FIRST_NAMES = ("Maria", "James", "Wei", "Aisha", "Robert", "Priya", "David", "Elena", "Omar", "Sarah")
LAST_NAMES = ("Nguyen", "Smith", "Garcia", "Patel", "Johnson", "Kim", "Brown", "Lopez", "Cohen", "Okafor")
CREDENTIALS = ("MD", "DO", "MD, PhD")
COMMON_LANGUAGES = ("es", "zh", "vi", "ko", "ru", "ar", "fr", "hi")


@dataclass
class SyntheticSummary:
    """What was built, and which ZIPs got locations (to draw searches from)."""

    practices: int = 0
    locations: int = 0
    providers: int = 0
    links: int = 0
    seconds: float = 0.0
    zip_codes: list[str] = field(default_factory=list)


def _columns(model: type[models.Model]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def _write_rows(
    connection: BaseDatabaseWrapper, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert ``rows`` into ``table``; COPY on PostgreSQL, batched executemany elsewhere."""
    quoted_table = connection.ops.quote_name(table)
    quoted_columns = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor, for COPY
            with raw.copy(f"COPY {quoted_table} ({quoted_columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        placeholders = ", ".join(["%s"] * len(columns))
        # Table and column names come from model metadata, quoted; values are parameters.
        sql = f"INSERT INTO {quoted_table} ({quoted_columns}) VALUES ({placeholders})"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                cursor.executemany(sql, batch)
                written += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def _located(lat: float, lng: float) -> tuple[float, ...]:
    """Latitude, longitude, unit vector and latitude band: the location columns in model order."""
    return (lat, lng, *unit_vector(lat, lng), lat_band(lat))


def _next_id(model: type[models.Model], using: str) -> int:
    last = model._default_manager.using(using).order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(connection: BaseDatabaseWrapper, model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _zip_places() -> dict[str, ZipPlace]:
    return {place.zip_code: place for place in all_zip_places()}


def _zips_by_prefix() -> tuple[list[str], dict[str, list[str]]]:
    places = _zip_places()
    # Offices sit in the 50 states, DC and Puerto Rico: skip military and Pacific-territory ZIPs.
    usable = sorted(
        z
        for z, p in places.items()
        if p.state not in {"AA", "AE", "AP", "AS", "GU", "MP", "PW", "FM", "MH", "VI"}
    )
    by_prefix: dict[str, list[str]] = {}
    for zip_code in usable:
        by_prefix.setdefault(zip_code[:3], []).append(zip_code)
    return usable, by_prefix


def populate_directory(*, locations: int, seed: int = 0, using: str = "default") -> SyntheticSummary:
    """Add about ``locations`` practice locations (and their practices and providers) to the database.

    Deterministic for a given seed on an empty directory. Returns counts and the ZIPs used.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    connection = connections[using]
    places = _zip_places()
    usable, by_prefix = _zips_by_prefix()
    now = datetime.now(tz=UTC)
    procedure_ids = list(Procedure.objects.using(using).values_list("pk", flat=True))
    condition_ids = list(Condition.objects.using(using).values_list("pk", flat=True))
    language_ids = dict(Language.objects.using(using).values_list("code", "pk"))
    english = language_ids.get("en")
    others = [language_ids[c] for c in COMMON_LANGUAGES if c in language_ids]

    practice_id0 = _next_id(Practice, using)
    location_id0 = _next_id(PracticeLocation, using)
    provider_id0 = _next_id(Provider, using)
    npi0 = 1_500_000_000 + provider_id0

    # Plan practices and their locations first: each practice owns a run of location ids.
    practice_rows: list[tuple[Any, ...]] = []
    location_rows: list[tuple[Any, ...]] = []
    practice_locations: list[range] = []
    used_zips: set[str] = set()
    location_id = location_id0
    practice_id = practice_id0
    while location_id - location_id0 < locations:
        home = rng.choice(usable)
        count = min(rng.randint(*LOCATIONS_PER_PRACTICE), locations - (location_id - location_id0))
        practice_rows.append(
            (
                practice_id,
                f"{places[home].city.title()} Spine & Vascular {practice_id}",
                "555-0100",
                "",
                True,
                "",  # referral inbox: none; the directory as NPPES gives it is not enrolled
                "",
                "off",
                None,
                0,
                now,
                now,
            )
        )
        first = location_id
        for _ in range(count):
            zip_code = rng.choice(by_prefix[home[:3]])
            place = places[zip_code]
            used_zips.add(zip_code)
            location_rows.append(
                (
                    location_id,
                    practice_id,
                    f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                    "",
                    place.city.title(),
                    place.state,
                    zip_code,
                    f"555-{rng.randint(0, 9999):04d}",
                    zone_for_address(zip_code, place.state),
                    *_located(
                        place.lat + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES),
                        place.lng + rng.uniform(-JITTER_DEGREES, JITTER_DEGREES),
                    ),
                    PracticeLocation.GeocodeSource.ZIP_CENTROID.value,
                    now,
                    None,
                )
            )
            location_id += 1
        practice_locations.append(range(first, location_id))
        practice_id += 1

    def provider_plan() -> Iterator[tuple[int, tuple[int, ...]]]:
        """(provider id, its location ids): one or two providers per location, some at two sites."""
        provider_id = provider_id0
        for owned in practice_locations:
            for location in owned:
                for _ in range(1 if rng.random() < 0.6 else 2):
                    sites = [location]
                    if len(owned) > 1 and rng.random() < 0.3:
                        sites.append(rng.choice([other for other in owned if other != location]))
                    yield provider_id, tuple(sites)
                    provider_id += 1

    plan = list(provider_plan())
    provider_rows = [
        (
            pid,
            str(npi0 + pid - provider_id0),
            rng.choice(FIRST_NAMES),
            "",
            f"{rng.choice(LAST_NAMES)}{pid}",
            rng.choice(CREDENTIALS),
            rng.choice("FM"),
            rng.random() < 0.8,
            True,
            None,
            None,
            now,
            now,
        )
        for pid, _sites in plan
    ]
    assert len(provider_rows[0]) == len(_columns(Provider))
    assert len(location_rows[0]) == len(_columns(PracticeLocation))

    # One transaction: on SQLite, autocommit would sync the file after every row.
    with transaction.atomic(using=using), connection.constraint_checks_disabled():
        summary = SyntheticSummary()
        summary.practices = _write_rows(
            connection, Practice._meta.db_table, _columns(Practice), practice_rows
        )
        summary.locations = _write_rows(
            connection, PracticeLocation._meta.db_table, _columns(PracticeLocation), location_rows
        )
        summary.providers = _write_rows(
            connection, Provider._meta.db_table, _columns(Provider), provider_rows
        )
        del practice_rows, location_rows, provider_rows
        summary.links = _write_links(connection, plan, rng, procedure_ids, condition_ids, english, others)
    throughs = [
        getattr(Provider, name).through for name in ("locations", "procedures", "conditions", "languages")
    ]
    _reset_sequences(connection, [Practice, PracticeLocation, Provider, *throughs])
    summary.zip_codes = sorted(used_zips)
    summary.seconds = time.perf_counter() - started
    return summary


def _write_links(
    connection: BaseDatabaseWrapper,
    plan: list[tuple[int, tuple[int, ...]]],
    rng: random.Random,
    procedure_ids: list[int],
    condition_ids: list[int],
    english: int | None,
    others: list[int],
) -> int:
    """Write the provider <-> location / procedure / condition / language rows; returns how many."""
    written = 0
    through_rows: dict[str, Iterator[tuple[int, int]]] = {
        "locations": ((pid, site) for pid, sites in plan for site in sites),
        "procedures": (
            (pid, proc) for pid, _ in plan for proc in rng.sample(procedure_ids, rng.randint(2, 5))
        ),
        "conditions": (
            (pid, cond) for pid, _ in plan for cond in rng.sample(condition_ids, rng.randint(1, 4))
        ),
        "languages": (
            (pid, lang)
            for pid, _ in plan
            for lang in ([english] if english else [])
            + ([rng.choice(others)] if others and rng.random() < 0.3 else [])
        ),
    }
    for name, pairs in through_rows.items():
        through = getattr(Provider, name).through
        source, target = (f.column for f in through._meta.concrete_fields if f.column != "id")
        first_id = _next_id(through, connection.alias)
        rows = ((first_id + n, a, b) for n, (a, b) in enumerate(pairs))
        written += _write_rows(connection, through._meta.db_table, ["id", source, target], rows)
    return written
