"""The PostGIS yardstick for the directory search: the same work done by an existing spatial engine.

Used by bench_search.py only, in the benchmark's own PostgreSQL database: the portal
itself never depends on PostGIS. The extension and a geography table beside the
locations (GiST-indexed) are created there; a search is two statements, as the API's:
the distinct providers within the radius, and the first 20 by distance (ties by name),
each at their nearest location.
"""

from __future__ import annotations

import time
from typing import Any

SETUP = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "DROP TABLE IF EXISTS bench_location_geog",
    "CREATE TABLE bench_location_geog AS SELECT id AS location_id, "
    "ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography AS geog "
    "FROM directory_practicelocation WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
    "CREATE INDEX bench_location_geog_idx ON bench_location_geog USING GIST (geog)",
    "ANALYZE bench_location_geog",
]

_HITS = """
    SELECT pl.provider_id, ST_Distance(g.geog, o.point, false) AS distance,
           p.last_name, p.first_name, p.npi, pl.practicelocation_id
    FROM bench_location_geog g
    CROSS JOIN (SELECT ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography AS point) o
    JOIN directory_provider_locations pl ON pl.practicelocation_id = g.location_id
    JOIN directory_provider p ON p.id = pl.provider_id AND p.is_listed
    WHERE ST_DWithin(g.geog, o.point, %(meters)s, false)
"""
COUNT = f"SELECT COUNT(DISTINCT provider_id) FROM ({_HITS}) hits"  # noqa: S608
FIRST_PAGE = f"""
    SELECT provider_id, distance FROM (
        SELECT DISTINCT ON (provider_id) * FROM ({_HITS}) hits
        ORDER BY provider_id, distance, practicelocation_id
    ) nearest ORDER BY distance, last_name, first_name, npi LIMIT 20
"""  # noqa: S608


def install(connection: Any) -> float:
    """Create the extension and the indexed geography table; seconds it took."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in SETUP:
            cursor.execute(statement)
    return time.perf_counter() - started


def search(connection: Any, lat: float, lng: float, meters: float) -> tuple[float, int, list[int]]:
    """(milliseconds, the count, the first page's provider ids) of one PostGIS search."""
    params = {"lat": lat, "lng": lng, "meters": meters}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(COUNT, params)
        count = cursor.fetchone()[0]
        cursor.execute(FIRST_PAGE, params)
        page = [row[0] for row in cursor.fetchall()]
    return (time.perf_counter() - started) * 1000, count, page
