"""The place index answers exactly as the whole ``zipcodes`` record list did, and is ready at start.

The reference below is the lookup the portal used before the index (docs/data.md): every
record in memory, ZIPs without coordinates left out, a city's centroid the mean of its ZIP
centroids in the package's order.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import zipcodes

from directory.geo import Origin, PlaceNotFound, resolve_place, zip_centroid

ROOT = Path(__file__).resolve().parents[2]


def _reference_zips() -> dict[str, tuple[float, float, str, str]]:
    zips = {}
    for row in zipcodes.list_all():
        lat, lng = float(row["lat"] or 0), float(row["long"] or 0)
        if lat == 0 and lng == 0:
            continue
        zips[row["zip_code"]] = (lat, lng, row["city"], row["state"])
    return zips


def _reference_cities(zips: dict[str, tuple[float, float, str, str]]) -> dict[tuple[str, str], Origin]:
    points: dict[tuple[str, str], list[tuple[float, float, str, str]]] = {}
    for place in zips.values():
        points.setdefault((place[2].upper(), place[3].upper()), []).append(place)
    return {
        key: Origin(
            lat=sum(p[0] for p in places) / len(places),
            lng=sum(p[1] for p in places) / len(places),
            label=f"{places[0][2]}, {places[0][3]}",
        )
        for key, places in points.items()
    }


def test_every_zip_the_package_knows_resolves_exactly_as_before():
    zips = _reference_zips()
    records = zipcodes.list_all()
    assert len(records) > 40_000

    for row in records:
        code = row["zip_code"]
        place = zips.get(code)
        expected = (
            None
            if place is None
            else Origin(lat=place[0], lng=place[1], label=f"{code} ({place[2]}, {place[3]})")
        )
        assert zip_centroid(code) == expected, code
        assert zip_centroid(f"{code}-1234") == expected, code


def test_every_city_the_package_knows_resolves_exactly_as_before():
    cities = _reference_cities(_reference_zips())
    assert len(cities) > 29_000

    for (city, state), expected in cities.items():
        assert resolve_place(f"{city.title()}, {state}") == expected, (city, state)
        assert resolve_place(f"{city.lower()} {state.lower()}") == expected, (city, state)


def test_a_zip_without_coordinates_is_still_refused():
    military = next(row["zip_code"] for row in zipcodes.list_all() if not float(row["lat"] or 0))

    with pytest.raises(PlaceNotFound, match="could not find the ZIP code"):
        resolve_place(military)


def test_a_new_process_builds_the_index_once_at_start_and_the_next_one_reuses_it(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from pathlib import Path; from django.conf import settings\n"
        "files = sorted(p.name for p in Path(settings.PLACE_INDEX_DIR).iterdir())\n"
        "print(files, Path(settings.PLACE_INDEX_DIR, files[0]).stat().st_mtime_ns)\n"
        "from directory.geo import resolve_place; print(resolve_place('Denver, CO').label)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PLACE_INDEX_DIR": str(tmp_path)}

    def start() -> list[str]:
        done = subprocess.run(  # noqa: S603 -- our own interpreter and code
            [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        return done.stdout.splitlines()

    first, second = start(), start()

    assert first[0].startswith(f"['places-zipcodes-{zipcodes.__version__}-v")
    assert first[1] == "Denver, CO"
    assert second == first  # same file, same modification time: not built twice
