"""The directory search agrees with a brute-force reference computed from the directory tables.

The guarantees of docs/api.md: each provider once at the nearest location, exact radius and count.
"""

from __future__ import annotations

import math
import random

import pytest

from demo.directory_data import seed_directory
from directory.geo import Origin, zip_centroid
from directory.models import Language, PracticeLocation, Procedure, Provider
from directory.selectors import providers_near
from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.directory.search_reference import (
    FILTERS,
    FILTERS_AFTER_EDITS,
    LAST_NAMES,
    PAGED_SEARCHES,
    RADII_KM,
    assert_search_agrees_with_reference,
    expected,
    random_directory,
    reference_search,
    shown,
    toggle,
)
from tests.directory.test_import_nppes import run_import
from tests.directory.test_nppes import deactivated_row, npi, nppes_row
from tests.directory.test_search import DENVER, location_km_north, npis

pytestmark = pytest.mark.django_db


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
        if edit in LOCATION_EDITS:
            edit_location(edit, rng, location, provider)
        else:
            edit_provider(edit, rng, provider, procedures, languages)

    for radius_km in (25.0, 90.0, 400.0):
        for filters in FILTERS_AFTER_EDITS:
            assert_search_agrees_with_reference(radius_km, filters)


LOCATION_EDITS = {
    "move",
    "unlocate",
    "link from provider",
    "link from location",
    "clear location",
    "delete location",
}


def edit_location(edit: str, rng: random.Random, location: PracticeLocation, provider: Provider) -> None:
    """Change a location as an office or an import would: move it, unlink it, delete it."""
    if edit == "move":
        location.latitude = DENVER.lat + rng.uniform(-1, 1)
        location.longitude = DENVER.lng + rng.uniform(-1.3, 1.3)
        location.save()
    elif edit == "unlocate":
        location.latitude = None
        location.save()
    elif edit == "link from provider":
        toggle(provider.locations, location)
    elif edit == "link from location":
        location.providers.add(provider)
    elif edit == "clear location":
        location.providers.clear()
    elif edit == "delete location":
        location.delete()


def edit_provider(
    edit: str, rng: random.Random, provider: Provider, procedures: list[Procedure], languages: list[Language]
) -> None:
    """Change a provider's listing, name or catalog entries, from either side of a link."""
    if edit == "relist":
        provider.is_listed = not provider.is_listed
        provider.save()
    elif edit == "accepting":
        provider.accepting_new_patients = not provider.accepting_new_patients
        provider.save(update_fields=["accepting_new_patients"])
    elif edit == "procedure from provider":
        toggle(provider.procedures, rng.choice(procedures))
    elif edit == "procedure from catalog":
        toggle(rng.choice(procedures).providers, provider)
    elif edit == "language from catalog":
        toggle(rng.choice(languages).providers, provider)
    elif edit == "rename":
        provider.last_name = rng.choice(LAST_NAMES)
        provider.save()
    elif edit == "delete provider":
        provider.delete()


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
