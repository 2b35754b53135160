"""The place index: every ZIP and city centroid of the ``zipcodes`` package in a small SQLite file.

Reading the package's 42,000 records and building dictionaries from them took most of a
second and kept about 60 MB alive in every process that resolved a place. The index is
built from the same records once per machine (on first use, or at process start through
``warm()``) into ``settings.PLACE_INDEX_DIR``; every process then opens the file read-only
and asks it one row at a time. The file name carries the ``zipcodes`` version and the
index format, so an upgrade of either builds a new file beside the old one.

The answers are those of the package's records, computed as described in docs/data.md:
military and other ZIPs without coordinates are left out, and a city's centroid is the
mean of its ZIP centroids.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zipcodes

INDEX_FORMAT = 2
_DEFAULT_DIR = Path(__file__).resolve().parent.parent / ".cache"

_SCHEMA = """
CREATE TABLE zip (code TEXT PRIMARY KEY, lat REAL, lng REAL, city TEXT, state TEXT) WITHOUT ROWID;
CREATE TABLE city (
    name TEXT, state TEXT, lat REAL, lng REAL, label TEXT, PRIMARY KEY (name, state)
) WITHOUT ROWID;
CREATE TABLE state (name TEXT PRIMARY KEY, code TEXT) WITHOUT ROWID;
CREATE TABLE zip_zone (code TEXT PRIMARY KEY, zone TEXT) WITHOUT ROWID;
CREATE TABLE state_zone (state TEXT PRIMARY KEY, zone TEXT) WITHOUT ROWID;
"""


class ZipPlace(NamedTuple):
    """A ZIP's centroid and the town the package names for it."""

    zip_code: str
    lat: float
    lng: float
    city: str
    state: str


class CityPlace(NamedTuple):
    """A city's centroid (the mean of its ZIP centroids) and its label, ``"Denver, CO"``."""

    lat: float
    lng: float
    label: str
    state: str


def zip_rows() -> Iterator[dict[str, Any]]:
    """Every ZIP record of the ``zipcodes`` package, read a two-digit prefix at a time.

    ``zipcodes.list_all()`` builds all 42,000 records (about 90 MB of dicts) at once and a
    process's peak memory keeps them; a hundred small batches give the same records for a
    tenth of that.
    """
    for prefix in range(100):
        yield from zipcodes.similar_to(f"{prefix:02d}")


def index_path() -> Path:
    """Where this version of the index lives: ``settings.PLACE_INDEX_DIR``, or ``.cache/``."""
    from django.conf import settings

    configured = getattr(settings, "PLACE_INDEX_DIR", "") if settings.configured else ""
    directory = Path(configured) if configured else _DEFAULT_DIR
    return directory / f"places-zipcodes-{zipcodes.__version__}-v{INDEX_FORMAT}.sqlite3"


def _zip_centroids() -> dict[str, ZipPlace]:
    """ZIP code -> centroid, for every ZIP the package knows with real coordinates."""
    index: dict[str, ZipPlace] = {}
    for row in zip_rows():
        lat, lng = float(row["lat"] or 0), float(row["long"] or 0)
        # Military and some PO-box ZIPs carry 0,0: they have no place to measure from.
        if lat == 0 and lng == 0:
            continue
        index[row["zip_code"]] = ZipPlace(row["zip_code"], lat, lng, row["city"], row["state"])
    return index


def _city_centroids(zips: dict[str, ZipPlace]) -> Iterator[tuple[str, str, float, float, str]]:
    """(CITY, STATE, lat, lng, label) per city: the mean of the city's ZIP centroids."""
    points: dict[tuple[str, str], list[ZipPlace]] = {}
    for place in zips.values():
        points.setdefault((place.city.upper(), place.state.upper()), []).append(place)
    for (name, state), places in points.items():
        lat = sum(p.lat for p in places) / len(places)
        lng = sum(p.lng for p in places) / len(places)
        yield name, state, lat, lng, f"{places[0].city}, {places[0].state}"


def _state_names() -> list[tuple[str, str]]:
    """(FULL NAME, code) of the states, DC and the territories, from ISO 3166-2."""
    import pycountry

    return [
        (subdivision.name.upper(), subdivision.code.removeprefix("US-"))
        for subdivision in pycountry.subdivisions.get(country_code="US")
    ]


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _zones() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(ZIP, zone) for every ZIP with a real IANA zone, and each state's most common zone.

    ZIPs without coordinates keep their zone: a practice there still keeps its own hours.
    """
    by_zip: list[tuple[str, str]] = []
    per_state: dict[str, Counter[str]] = {}
    for row in zip_rows():
        zone = row.get("timezone") or ""
        if not _is_zone(zone):
            continue
        by_zip.append((row["zip_code"], zone))
        per_state.setdefault(row["state"].upper(), Counter())[zone] += 1
    return by_zip, [(state, zones.most_common(1)[0][0]) for state, zones in per_state.items()]


def build_index(path: Path) -> None:
    """Write the index to ``path``: a temporary file renamed into place, so no reader sees half."""
    zips = _zip_centroids()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(partial)) as db:
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO zip VALUES (?, ?, ?, ?, ?)", zips.values())
        db.executemany("INSERT INTO city VALUES (?, ?, ?, ?, ?)", _city_centroids(zips))
        db.executemany("INSERT INTO state VALUES (?, ?)", _state_names())
        zip_zones, state_zones = _zones()
        db.executemany("INSERT INTO zip_zone VALUES (?, ?)", zip_zones)
        db.executemany("INSERT INTO state_zone VALUES (?, ?)", state_zones)
        db.commit()
        db.execute("VACUUM")
    os.replace(partial, path)


_held = threading.local()


def _db() -> sqlite3.Connection:
    """This thread's read-only connection to the index, building the index first if missing.

    A connection is never used across a fork (gunicorn's preload): a child opens its own.
    """
    pid_and_connection = getattr(_held, "connection", None)
    if pid_and_connection is not None and pid_and_connection[0] == os.getpid():
        connection: sqlite3.Connection = pid_and_connection[1]
        return connection
    path = index_path()
    if not path.exists():
        build_index(path)
    # immutable: the file never changes once renamed into place, so readers take no locks.
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    _held.connection = (os.getpid(), connection)
    return connection


def warm() -> None:
    """Build the index if this machine has none yet and open it, before any request needs it."""
    zip_place("00000")


def zip_place(zip_code: str) -> ZipPlace | None:
    """The centroid of a 5-digit ZIP, or None when the package has no coordinates for it."""
    row = _db().execute("SELECT * FROM zip WHERE code = ?", (zip_code,)).fetchone()
    return ZipPlace(*row) if row else None


def city_place(city: str, state: str) -> CityPlace | None:
    """The city of that name (any case) in that state (a 2-letter code, any case), or None."""
    row = (
        _db()
        .execute(
            "SELECT lat, lng, label, state FROM city WHERE name = ? AND state = ?",
            (city.upper(), state.upper()),
        )
        .fetchone()
    )
    return CityPlace(*row) if row else None


def cities_named(city: str) -> list[CityPlace]:
    """Every city of that name (any case), one per state, ordered by state code."""
    rows = _db().execute(
        "SELECT lat, lng, label, state FROM city WHERE name = ? ORDER BY state", (city.upper(),)
    )
    return [CityPlace(*row) for row in rows]


def state_code(name: str) -> str | None:
    """The 2-letter code of a state, DC or territory named in full (any case), or None."""
    row = _db().execute("SELECT code FROM state WHERE name = ?", (name.upper(),)).fetchone()
    return row[0] if row else None


def zip_time_zone(zip_code: str) -> str | None:
    """The IANA time zone of a 5-digit ZIP (``"America/Chicago"``), or None when unknown."""
    row = _db().execute("SELECT zone FROM zip_zone WHERE code = ?", (zip_code,)).fetchone()
    return row[0] if row else None


def state_time_zone(state: str) -> str | None:
    """The time zone most of a state's ZIPs keep (a 2-letter code, any case), or None."""
    row = _db().execute("SELECT zone FROM state_zone WHERE state = ?", (state.upper(),)).fetchone()
    return row[0] if row else None


def all_zip_places() -> list[ZipPlace]:
    """Every ZIP with coordinates, in ZIP order."""
    return [ZipPlace(*row) for row in _db().execute("SELECT * FROM zip ORDER BY code")]
