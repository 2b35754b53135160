"""The grid a count adds cell totals from: inside cells are wholly inside, and nothing is missed."""

from __future__ import annotations

import random
import time

import pytest
from django.db import connection, transaction

from directory import selectors
from directory.geo import Origin, bounding_box, min_closeness, unit_vector
from directory.models import Provider, SearchCell
from directory.search_grid import CELL_DEGREES, CircleCells, circle_cells, coarse, fine_cell
from directory.selectors import providers_near
from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.directory.test_search import DENVER
from tests.directory.test_search_index import (
    assert_search_agrees_with_reference,
    cell_totals,
    recounted_cell_totals,
)
from tests.referrals.test_concurrency import race

ORIGINS = [
    Origin(40.7506, -73.9972, "New York"),
    Origin(25.77, -80.19, "Miami"),
    Origin(64.84, -147.72, "Fairbanks"),
    Origin(21.31, -157.86, "Honolulu"),
    Origin(-33.87, 151.21, "Sydney"),
    Origin(0.01, -0.01, "where the equator meets the prime meridian"),
]
RADII_KM = [0.5, 8.0, 40.2, 120.0, 402.3]


Circle = tuple[Origin, float, CircleCells, random.Random]


@pytest.fixture(params=[(o, r) for o in ORIGINS for r in RADII_KM], ids=lambda p: f"{p[0].label}-{p[1]}km")
def circle(request: pytest.FixtureRequest) -> Circle:
    """A search circle on the grid, with a random source seeded by it."""
    origin, radius_km = request.param
    cells = circle_cells(origin, radius_km)
    assert cells is not None
    return origin, radius_km, cells, random.Random(f"{origin.label}{radius_km}")


def closeness(origin: Origin, lat: float, lng: float) -> float:
    ox, oy, oz = unit_vector(origin.lat, origin.lng)
    x, y, z = unit_vector(lat, lng)
    return x * ox + y * oy + z * oz


def test_every_point_of_a_cell_counted_as_inside_is_within_the_radius(circle: Circle) -> None:
    origin, radius_km, cells, rng = circle
    size = CELL_DEGREES * cells.level
    floor = min_closeness(origin, radius_km)
    for row, first, last in cells.inside:
        for column in (first, last, rng.randint(first, last)):
            for lat, lng in [
                (row * size, column * size),
                ((row + 1) * size, (column + 1) * size),
                (row * size, (column + 1) * size),
                ((row + 1) * size, column * size),
                ((row + rng.random()) * size, (column + rng.random()) * size),
            ]:
                assert closeness(origin, lat, lng) >= floor, (row, column, lat, lng)


def test_every_point_within_the_radius_is_in_exactly_one_inside_cell_or_ring_run(circle: Circle) -> None:
    origin, radius_km, cells, rng = circle
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    floor = min_closeness(origin, radius_km)
    found = 0
    while found < 400:
        lat, lng = rng.uniform(min_lat, max_lat), rng.uniform(min_lng, max_lng)
        if closeness(origin, lat, lng) < floor:
            continue
        found += 1
        fine = fine_cell(lat, lng)
        row, column = coarse(fine, cells.level)
        inside = sum(row == r and first <= column <= last for r, first, last in cells.inside)
        ring = sum(fine[0] == r and first <= fine[1] <= last for r, first, last in cells.ring)
        assert inside + ring == 1, (lat, lng, inside, ring)


def test_a_circle_over_the_180th_meridian_or_a_pole_is_counted_row_by_row() -> None:
    assert circle_cells(Origin(52.0, 179.9, "Aleutians"), 40) is None
    assert circle_cells(Origin(89.9, 0.0, "North Pole"), 40) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "crowded_from", [0, 10**9], ids=["PostgreSQL counting by cells", "PostgreSQL counting with one DISTINCT"]
)
def test_a_count_from_cell_totals_matches_the_reference_in_a_crowded_city(
    crowded_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL chooses its way of counting by the crowd in the circle's box; SQLite
    # always counts by cells.
    monkeypatch.setattr(selectors, "_CROWDED_BOX_LEADS", crowded_from)
    rng = random.Random(5)
    for _ in range(150):
        spot = PracticeLocationFactory.create(
            latitude=DENVER.lat + rng.uniform(-0.25, 0.25), longitude=DENVER.lng + rng.uniform(-0.3, 0.3)
        )
        elsewhere = PracticeLocationFactory.create(
            latitude=DENVER.lat + rng.uniform(-0.5, 0.5), longitude=DENVER.lng + rng.uniform(-0.6, 0.6)
        )
        ProviderFactory.create(
            locations=[spot, elsewhere] if rng.random() < 0.3 else [spot],
            accepting_new_patients=rng.random() < 0.6,
        )
    cells = circle_cells(DENVER, 20)
    assert cells is not None and cells.inside
    counted_by_cell = sum(
        sum(
            SearchCell.objects.filter(
                level=cells.level, cell_lat=row, cell_lng__gte=first, cell_lng__lte=last
            ).values_list("leads", flat=True)
        )
        for row, first, last in cells.inside
    )
    assert counted_by_cell > 20  # most of the count comes from the cells' totals

    for radius_km in (3.0, 20.0, 45.0):
        for filters in ({}, {"accepting": True}, {"accepting": False}):
            assert_search_agrees_with_reference(radius_km, filters)
    assert cell_totals() == recounted_cell_totals()


@pytest.mark.django_db
def test_deleting_a_practice_takes_its_providers_out_of_the_cell_totals() -> None:
    opening = PracticeLocationFactory.create(latitude=39.75, longitude=-104.99)
    staying = ProviderFactory.create(locations=[opening])
    closing = PracticeLocationFactory.create(latitude=39.74, longitude=-104.98)
    leaving = ProviderFactory.create(locations=[closing])
    assert providers_near(origin=DENVER, radius_km=40).count() == 2

    closing.practice.delete()

    search = providers_near(origin=DENVER, radius_km=40)
    assert ([provider.npi for provider in search], search.count()) == ([staying.npi], 1)
    assert not Provider.objects.get(pk=leaving.pk).locations.exists()
    assert cell_totals() == recounted_cell_totals()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write, so there is no race to test; run with DATABASE_URL=postgres://...",
)
def test_two_offices_listing_providers_in_the_same_cell_at_once_are_both_counted() -> None:
    def list_a_provider() -> str:
        with transaction.atomic():
            location = PracticeLocationFactory.create(latitude=39.7501, longitude=-104.9901)
            provider = ProviderFactory.create(locations=[location])
            time.sleep(0.3)  # hold the cell's row while the other office writes to it
        return provider.npi

    results = race(list_a_provider, list_a_provider)

    assert all(isinstance(result, str) for result in results), results
    assert providers_near(origin=DENVER, radius_km=25).count() == 2
    assert cell_totals() == recounted_cell_totals()
    assert {leads for leads, _ in cell_totals().values()} == {2}
