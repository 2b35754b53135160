"""The directory search agrees with a brute-force reference computed from the directory tables.

The guarantees of docs/api.md: each provider once at the nearest location, exact radius and count.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import pytest
from geopy.distance import geodesic

from directory.demo import seed_directory
from directory.geo import Origin, great_circle_km, min_closeness, unit_vector, zip_centroid
from directory.models import (
    Condition,
    Language,
    PracticeLocation,
    Procedure,
    Provider,
)
from directory.selectors import providers_near
from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.directory.test_import_nppes import run_import
from tests.directory.test_nppes import deactivated_row, npi, nppes_row
from tests.directory.test_search import DENVER, location_km_north, npis

pytestmark = pytest.mark.django_db


# --- A brute-force reference from the directory tables ----------------------------


@dataclass(frozen=True)
class Found:
    """One provider a search should return: who, at which location, how close (dot product)."""

    npi: str
    location_id: int
    closeness: float
    details: tuple[Any, ...]


def toggle(related: Any, item: Any) -> None:
    """Link ``item`` through the related manager, or unlink it when it is linked already."""
    if related.filter(pk=item.pk).exists():
        related.remove(item)
    else:
        related.add(item)


def reference_search(
    origin: Origin,
    radius_km: float,
    *,
    procedure: str | None = None,
    condition: str | None = None,
    accepting: bool | None = None,
    language: str | None = None,
) -> list[Found]:
    """What ``providers_near`` must return, computed in Python from the ORM objects alone.

    Within the radius means a dot product of unit vectors of at least
    ``min_closeness(origin, radius_km)``; nearer means a larger dot product. Providers come
    nearest first, then by last name, first name and NPI, each at their nearest location
    (the lower location id on a tie).
    """
    ox, oy, oz = unit_vector(origin.lat, origin.lng)
    floor = min_closeness(origin, radius_km)
    found: list[tuple[tuple[float, str, str, str], Found]] = []
    providers = Provider.objects.prefetch_related("locations", "procedures", "conditions", "languages")
    for provider in providers:
        if not provider.is_listed:
            continue
        if accepting is not None and provider.accepting_new_patients != accepting:
            continue
        if procedure is not None and procedure not in {p.slug for p in provider.procedures.all()}:
            continue
        if condition is not None and condition not in {c.slug for c in provider.conditions.all()}:
            continue
        if language is not None and language not in {lang.code for lang in provider.languages.all()}:
            continue
        within = []
        for location in provider.locations.all():
            if location.latitude is None or location.longitude is None:
                continue
            x, y, z = unit_vector(location.latitude, location.longitude)
            # The same arithmetic, in the same order, as the SQL expression.
            closeness = x * ox + y * oy + z * oz
            if closeness >= floor:
                within.append((closeness, location.pk))
        if not within:
            continue
        closeness, location_id = max(within, key=lambda item: (item[0], -item[1]))
        key = (-closeness, provider.last_name, provider.first_name, provider.npi)
        details = (
            provider.last_name,
            provider.first_name,
            provider.accepting_new_patients,
            in_catalog_order(provider.procedures.all(), "slug"),
            in_catalog_order(provider.conditions.all(), "slug"),
            in_catalog_order(provider.languages.all(), "code"),
        )
        found.append((key, Found(provider.npi, location_id, closeness, details)))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def in_catalog_order(entries: Any, key: str) -> list[str]:
    """Slugs or codes of catalog entries as a result lists them: by name, then primary key."""
    return [getattr(entry, key) for entry in sorted(entries, key=lambda entry: (entry.name, entry.pk))]


def described(results: Any) -> list[tuple[Any, ...]]:
    """What a result card says about each provider besides where: name, list status, catalog entries."""
    return [
        (
            provider.last_name,
            provider.first_name,
            provider.accepting_new_patients,
            [entry.slug for entry in provider.offered_procedures],
            [entry.slug for entry in provider.treated_conditions],
            [entry.code for entry in provider.spoken_languages],
        )
        for provider in results
    ]


def point_km_north(km: float) -> tuple[float, float]:
    """(latitude, longitude) ``km`` kilometres due north of Denver, as ``location_km_north`` places it."""
    point = geodesic(kilometers=km).destination((DENVER.lat, DENVER.lng), 0)
    return point.latitude, point.longitude


def shown(results: Any) -> list[tuple[str, int]]:
    """What a person sees of a result list: who, at which location."""
    return [(provider.npi, provider.nearest_location_id) for provider in results]


def expected(found: list[Found]) -> list[tuple[str, int]]:
    return [(item.npi, item.location_id) for item in found]


# --- A random directory around Denver ----------------------------------------------

LAST_NAMES = ["Abbott", "Baker", "Chen", "Diaz", "Okafor"]
FIRST_NAMES = ["Ana", "Ben", "Cleo"]


def random_directory(rng: random.Random, providers: int = 40) -> None:
    """Providers with 0 to 5 locations within about 250 km of Denver, some shared, some unlocated.

    Names repeat (so ties fall to the NPI), NPIs are random (so they do not follow the
    primary keys), some locations share a point or a building (so distances tie).
    """
    procedures = list(Procedure.objects.values_list("slug", flat=True))
    conditions = list(Condition.objects.values_list("slug", flat=True))
    languages = ["en", "es", "zh", "vi", "fr"]
    points: list[tuple[float, float]] = []
    locations: list[PracticeLocation] = []
    used_npis: set[str] = set()
    for _ in range(providers):
        mine: list[PracticeLocation] = []
        for _ in range(rng.randint(0, 5)):
            roll = rng.random()
            if roll < 0.15 and locations:
                mine.append(rng.choice(locations))  # a building shared with colleagues
                continue
            if roll < 0.25:
                lat, lng = None, rng.uniform(-107, -103)  # not yet geocoded
                location = PracticeLocationFactory.create(latitude=lat, longitude=lng)
            else:
                if roll < 0.35 and points:
                    lat, lng = rng.choice(points)  # another address at the same point
                else:
                    lat, lng = DENVER.lat + rng.uniform(-2, 2), DENVER.lng + rng.uniform(-2.6, 2.6)
                    points.append((lat, lng))
                location = PracticeLocationFactory.create(latitude=lat, longitude=lng)
            locations.append(location)
            mine.append(location)
        number = str(rng.randrange(1_000_000_000, 2_000_000_000))
        while number in used_npis:
            number = str(rng.randrange(1_000_000_000, 2_000_000_000))
        used_npis.add(number)
        ProviderFactory.create(
            npi=number,
            last_name=rng.choice(LAST_NAMES),
            first_name=rng.choice(FIRST_NAMES),
            is_listed=rng.random() > 0.15,
            accepting_new_patients=rng.random() < 0.6,
            locations=mine,
            procedures=rng.sample(procedures, rng.randint(0, 3)),
            conditions=rng.sample(conditions, rng.randint(0, 2)),
            languages=rng.sample(languages, rng.randint(0, 2)),
        )


RADII_KM = [3.0, 25.0, 90.0, 400.0]
FILTERS: list[dict[str, Any]] = [
    {},
    {"procedure": "facet-joint-injection"},
    {"procedure": "vertebroplasty-kyphoplasty"},
    {"condition": "spinal-stenosis"},
    {"accepting": True},
    {"accepting": False},
    {"language": "es"},
    {"procedure": "epidural-steroid-injection", "accepting": True, "language": "en"},
    {"procedure": "facet-joint-injection", "condition": "herniated-disc", "accepting": False},
]

PAGED_SEARCHES: list[tuple[float, dict[str, Any]]] = [
    (25.0, {}),
    (90.0, {}),
    (400.0, {}),
    (90.0, {"accepting": True}),
]
FILTERS_AFTER_EDITS: list[dict[str, Any]] = [
    {},
    {"accepting": True},
    {"procedure": "facet-joint-injection"},
    {"language": "es"},
]


def assert_search_agrees_with_reference(
    radius_km: float, filters: dict[str, Any], origin: Origin = DENVER
) -> None:
    want = reference_search(origin, radius_km, **filters)
    search = providers_near(origin=origin, radius_km=radius_km, **filters)

    results = list(search)

    context = f"{origin.label}, radius {radius_km} km, filters {filters}"
    assert search.count() == len(want), context
    assert shown(results) == expected(want), context
    assert described(results) == [item.details for item in want], context
    for provider in results:
        location = provider.nearest_location
        assert provider.distance_km == pytest.approx(
            great_circle_km(origin.lat, origin.lng, location.latitude, location.longitude)
        )
        assert provider.distance_km <= radius_km * (1 + 1e-9), context


@pytest.mark.parametrize("seed", [7, 2024, 31337])
def test_search_finds_the_same_providers_in_the_same_order_as_a_brute_force_reference(seed: int) -> None:
    random_directory(random.Random(seed))

    for radius_km in RADII_KM:
        for filters in FILTERS:
            assert_search_agrees_with_reference(radius_km, filters)


@pytest.mark.parametrize("seed", [7, 2024, 31337])
def test_every_page_of_a_search_is_the_matching_slice_of_the_reference(seed: int) -> None:
    random_directory(random.Random(seed))

    for radius_km, filters in PAGED_SEARCHES:
        want = expected(reference_search(DENVER, radius_km, **filters))
        total = len(want)
        for size in (1, 3, 7, 50):
            last_page = max(1, math.ceil(total / size))
            for number in range(1, last_page + 1):
                page, count = providers_near(origin=DENVER, radius_km=radius_km, **filters).page(number, size)
                context = f"radius {radius_km} km, filters {filters}, page {number} of size {size}"
                assert count == total, context
                assert shown(page) == want[(number - 1) * size : number * size], context
            search = providers_near(origin=DENVER, radius_km=radius_km, **filters)
            assert search.page(last_page + 1, size) == ([], total)


@pytest.mark.parametrize("seed", [3, 11, 14])
def test_search_still_agrees_with_the_reference_after_random_everyday_edits(seed: int) -> None:
    rng = random.Random(seed)
    random_directory(rng)
    procedures = list(Procedure.objects.order_by("slug"))
    languages = list(Language.objects.filter(code__in=["en", "es", "fr"]).order_by("code"))

    for _ in range(60):
        # By primary key: the default orderings leave ties to the database.
        providers = list(Provider.objects.order_by("pk"))
        locations = list(PracticeLocation.objects.order_by("pk"))
        provider, location = rng.choice(providers), rng.choice(locations)
        edit = rng.choice(
            [
                "move",
                "unlocate",
                "relist",
                "accepting",
                "procedure from provider",
                "procedure from catalog",
                "language from catalog",
                "link from provider",
                "link from location",
                "clear location",
                "rename",
                "delete location",
                "delete provider",
            ]
        )
        if edit == "move":
            location.latitude = DENVER.lat + rng.uniform(-1, 1)
            location.longitude = DENVER.lng + rng.uniform(-1.3, 1.3)
            location.save()
        elif edit == "unlocate":
            location.latitude = None
            location.save()
        elif edit == "relist":
            provider.is_listed = not provider.is_listed
            provider.save()
        elif edit == "accepting":
            provider.accepting_new_patients = not provider.accepting_new_patients
            provider.save(update_fields=["accepting_new_patients"])
        elif edit == "procedure from provider":
            procedure = rng.choice(procedures)
            toggle(provider.procedures, procedure)
        elif edit == "procedure from catalog":
            procedure = rng.choice(procedures)
            toggle(procedure.providers, provider)
        elif edit == "language from catalog":
            language = rng.choice(languages)
            toggle(language.providers, provider)
        elif edit == "link from provider":
            toggle(provider.locations, location)
        elif edit == "link from location":
            location.providers.add(provider)
        elif edit == "clear location":
            location.providers.clear()
        elif edit == "rename":
            provider.last_name = rng.choice(LAST_NAMES)
            provider.save()
        elif edit == "delete location":
            location.delete()
        elif edit == "delete provider":
            provider.delete()

    for radius_km in (25.0, 90.0, 400.0):
        for filters in FILTERS_AFTER_EDITS:
            assert_search_agrees_with_reference(radius_km, filters)


def test_a_search_for_a_catalog_entry_that_does_not_exist_finds_nobody() -> None:
    ProviderFactory.create(locations=[location_km_north(2)], procedures=["facet-joint-injection"])

    search = providers_near(origin=DENVER, radius_km=25, procedure="no-such-procedure")

    assert (list(search), search.count()) == ([], 0)


def test_a_provider_with_many_locations_is_counted_once_and_shown_once_at_the_nearest() -> None:
    # Created far to near, so the nearest location has the highest id and four earlier ones.
    places = [location_km_north(km) for km in (60, 14, 11, 7, 5)]
    everywhere = ProviderFactory.create(locations=places)
    # Four locations, only the last two (by id) inside a 10 km circle.
    partly = ProviderFactory.create(locations=[location_km_north(km) for km in (40, 30, 9, 6)])
    single = ProviderFactory.create(locations=[location_km_north(6.5)])

    for radius_km in (10, 100):
        search = providers_near(origin=DENVER, radius_km=radius_km)
        results = list(search)
        assert search.count() == 3
        assert npis(results) == [everywhere.npi, partly.npi, single.npi]
        assert results[0].nearest_location_id == places[4].pk
        assert results[0].distance_km == pytest.approx(5, rel=0.005)
        assert results[1].distance_km == pytest.approx(6, rel=0.005)
    assert npis(providers_near(origin=DENVER, radius_km=5.5)) == [everywhere.npi]
    assert providers_near(origin=DENVER, radius_km=5.5).count() == 1
    page, total = providers_near(origin=DENVER, radius_km=8).page(2, 2)
    assert (npis(page), total) == ([single.npi], 3)


# --- Bulk paths ------------------------------------------------------------------------


def test_providers_imported_from_nppes_are_found_and_a_later_deactivation_removes_them() -> None:
    centroid = zip_centroid("10016")
    assert centroid is not None
    manhattan = Origin(lat=centroid.lat, lng=centroid.lng, label="New York, NY 10016")
    first, second = npi("123456789"), npi("100000001")

    run_import([nppes_row(NPI=first), nppes_row(NPI=second, **{"Provider First Name": "JO"})])

    search = providers_near(origin=manhattan, radius_km=5)
    assert (sorted(npis(search)), search.count()) == (sorted([first, second]), 2)

    run_import([deactivated_row(first, on="05/04/2025")])

    search = providers_near(origin=manhattan, radius_km=5)
    assert (npis(search), search.count()) == ([second], 1)


def test_a_provider_who_moved_in_nppes_is_found_only_at_the_new_address() -> None:
    run_import([nppes_row()])
    run_import(
        [
            nppes_row(
                **{
                    "Provider First Line Business Practice Location Address": "1635 AURORA CT",
                    "Provider Business Practice Location Address City Name": "AURORA",
                    "Provider Business Practice Location Address State Name": "CO",
                    "Provider Business Practice Location Address Postal Code": "80045",
                }
            )
        ]
    )

    provider = Provider.objects.get()
    assert shown(providers_near(origin=DENVER, radius_km=40)) == [(provider.npi, provider.locations.get().pk)]
    centroid = zip_centroid("10016")
    assert centroid is not None
    manhattan = Origin(lat=centroid.lat, lng=centroid.lng, label="New York, NY 10016")
    assert providers_near(origin=manhattan, radius_km=40).count() == 0


def test_the_seeded_demo_directory_is_searchable_as_soon_as_it_is_seeded() -> None:
    seed_directory(providers=40)
    seed_directory(providers=60)  # a larger demo adds providers at the existing practices

    for place, radius_km in [("10001", 50.0), ("60601", 50.0), ("66502", 3000.0)]:
        centroid = zip_centroid(place)
        assert centroid is not None
        origin = Origin(lat=centroid.lat, lng=centroid.lng, label=place)
        for filters in FILTERS_AFTER_EDITS:
            assert_search_agrees_with_reference(radius_km, filters, origin)
    assert providers_near(origin=origin, radius_km=3000).count() > 0


# --- A crowded city ---------------------------------------------------------------------


def test_a_crowded_city_is_counted_and_ranked_as_the_reference_has_it() -> None:
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

    for radius_km in (3.0, 20.0, 45.0, 402.3):
        for filters in ({}, {"accepting": True}, {"accepting": False}):
            assert_search_agrees_with_reference(radius_km, filters)
