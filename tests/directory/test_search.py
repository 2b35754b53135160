"""Geosearch in the database: who is near, in what order, with which filters."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from directory.geo import KM_PER_MILE, Origin, resolve_place
from directory.models import PracticeLocation, Procedure
from directory.practice_search import practice_hits_near, practices_near
from directory.selectors import provider_by_npi, providers_near
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

DENVER = Origin(lat=39.7392, lng=-104.9903, label="Denver, CO")


def location_km_north(km: float, **kwargs):
    """A location ``km`` kilometres due north of Denver (geodesic)."""
    point = geodesic(kilometers=km).destination((DENVER.lat, DENVER.lng), 0)
    return PracticeLocationFactory(latitude=point.latitude, longitude=point.longitude, **kwargs)


def npis(providers) -> list[str]:
    return [provider.npi for provider in providers]


def test_providers_come_nearest_first_with_their_distance():
    far = ProviderFactory(locations=[location_km_north(30)])
    near = ProviderFactory(locations=[location_km_north(5)])
    middle = ProviderFactory(locations=[location_km_north(12)])

    results = list(providers_near(origin=DENVER, radius_km=40))

    assert npis(results) == [near.npi, middle.npi, far.npi]
    assert results[0].distance_km == pytest.approx(5, rel=0.005)
    assert results[2].distance_km == pytest.approx(30, rel=0.005)


def test_provider_with_two_locations_appears_once_at_the_nearer_one():
    nearer = location_km_north(8)
    provider = ProviderFactory(locations=[location_km_north(20), nearer])

    results = list(providers_near(origin=DENVER, radius_km=40))

    assert npis(results) == [provider.npi]
    assert results[0].nearest_location == nearer
    assert results[0].nearest_location_id == nearer.pk
    assert results[0].distance_km == pytest.approx(8, rel=0.005)


def test_equal_distances_are_ordered_by_name():
    spot = location_km_north(10)
    zoe = ProviderFactory(last_name="Young", first_name="Zoe", locations=[spot])
    adam = ProviderFactory(last_name="Abbott", first_name="Adam", locations=[spot])

    assert npis(providers_near(origin=DENVER, radius_km=40)) == [adam.npi, zoe.npi]


def test_a_building_with_more_providers_than_a_page_reads_lists_them_by_name_across_pages():
    spot = location_km_north(10)
    nearer = ProviderFactory(locations=[location_km_north(2)])
    # A page of 20 reads the 56 nearest rows: the crowd's tie spans that edge.
    crowd = [
        ProviderFactory(last_name=f"Crowd{number:03d}", locations=[spot])
        for number in (7 * n % 71 for n in range(70))
    ]
    by_name = sorted(crowd, key=lambda provider: (provider.last_name, provider.first_name, provider.npi))

    pages = [providers_near(origin=DENVER, radius_km=40).page(number, 20)[0] for number in (1, 2, 3, 4)]

    assert [npis(page) for page in pages] == [
        [nearer.npi, *[provider.npi for provider in by_name[:19]]],
        [provider.npi for provider in by_name[19:39]],
        [provider.npi for provider in by_name[39:59]],
        [provider.npi for provider in by_name[59:]],
    ]


def test_radius_edge_keeps_just_inside_and_drops_just_outside():
    inside = ProviderFactory(locations=[location_km_north(24.8)])
    ProviderFactory(locations=[location_km_north(25.2)])

    assert npis(providers_near(origin=DENVER, radius_km=25)) == [inside.npi]


def test_far_away_and_unlocated_providers_are_not_found():
    ProviderFactory(locations=[PracticeLocationFactory(postal_code="10001")])
    ProviderFactory(locations=[PracticeLocationFactory(latitude=None, longitude=None)])

    assert list(providers_near(origin=DENVER, radius_km=250 * KM_PER_MILE)) == []


def test_unlisted_providers_have_left_the_directory():
    ProviderFactory(is_listed=False, locations=[location_km_north(3)])

    assert list(providers_near(origin=DENVER, radius_km=25)) == []


def test_procedure_filter_keeps_only_providers_offering_it():
    spot = location_km_north(3)
    offers = ProviderFactory(
        locations=[spot], procedures=["vertebroplasty-kyphoplasty", "facet-joint-injection"]
    )
    ProviderFactory(locations=[spot], procedures=["facet-joint-injection"])

    results = providers_near(origin=DENVER, radius_km=25, procedure="vertebroplasty-kyphoplasty")

    assert npis(results) == [offers.npi]


def test_condition_filter_keeps_only_providers_treating_it():
    spot = location_km_north(3)
    treats = ProviderFactory(locations=[spot], conditions=["spinal-stenosis"])
    ProviderFactory(locations=[spot], conditions=["herniated-disc"])

    assert npis(providers_near(origin=DENVER, radius_km=25, condition="spinal-stenosis")) == [treats.npi]


def test_accepting_filter_separates_open_and_closed_lists():
    spot = location_km_north(3)
    open_list = ProviderFactory(locations=[spot], accepting_new_patients=True)
    closed = ProviderFactory(locations=[spot], accepting_new_patients=False)

    assert npis(providers_near(origin=DENVER, radius_km=25, accepting=True)) == [open_list.npi]
    assert npis(providers_near(origin=DENVER, radius_km=25, accepting=False)) == [closed.npi]


def test_language_filter_keeps_only_providers_speaking_it():
    spot = location_km_north(3)
    speaks = ProviderFactory(locations=[spot], languages=["en", "es"])
    ProviderFactory(locations=[spot], languages=["en"])

    assert npis(providers_near(origin=DENVER, radius_km=25, language="es")) == [speaks.npi]


def test_search_counts_each_provider_once_for_pagination():
    spots = [location_km_north(km) for km in (2, 4, 6)]
    for _ in range(3):
        ProviderFactory(locations=spots, procedures=["facet-joint-injection", "epidural-steroid-injection"])

    assert providers_near(origin=DENVER, radius_km=25).count() == 3


def test_search_from_a_zip_finds_a_practice_at_that_zip():
    provider = ProviderFactory(locations=[PracticeLocationFactory(postal_code="80202")])

    results = list(providers_near(origin=resolve_place("80202"), radius_km=1))

    assert npis(results) == [provider.npi]
    assert results[0].distance_km == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(
    "origin", [Origin(lat=40.0, lng=-105.0, label="a band edge"), Origin(lat=-33.9, lng=151.2, label="south")]
)
def test_search_finds_locations_across_latitude_band_edges_in_both_hemispheres(origin):
    found = []
    for bearing in (0, 90, 180, 270):
        point = geodesic(kilometers=30).destination((origin.lat, origin.lng), bearing)
        found.append(
            ProviderFactory(
                locations=[PracticeLocationFactory(latitude=point.latitude, longitude=point.longitude)]
            )
        )

    assert sorted(npis(providers_near(origin=origin, radius_km=31))) == sorted(npis(found))
    assert list(providers_near(origin=origin, radius_km=29)) == []


def test_moving_a_location_moves_it_in_the_search():
    location = location_km_north(100)
    provider = ProviderFactory(locations=[location])
    assert list(providers_near(origin=DENVER, radius_km=25)) == []

    location.latitude, location.longitude = DENVER.lat, DENVER.lng
    location.save(update_fields=["latitude", "longitude"])

    assert npis(providers_near(origin=DENVER, radius_km=25)) == [provider.npi]


def test_clearing_coordinates_takes_a_location_out_of_the_search():
    location = location_km_north(3)
    ProviderFactory(locations=[location])

    location.longitude = None
    location.save()

    assert list(providers_near(origin=DENVER, radius_km=25)) == []


def test_a_bulk_written_location_without_its_unit_vector_is_refused():
    practice = PracticeFactory()
    fields = {"practice": practice, "address_line1": "1 Main St", "city": "Denver", "state": "CO"}

    with pytest.raises(IntegrityError), transaction.atomic():
        PracticeLocation.objects.bulk_create(
            [PracticeLocation(latitude=DENVER.lat, longitude=DENVER.lng, **fields)]
        )
    (placed,) = PracticeLocation.objects.bulk_create(
        [PracticeLocation(**PracticeLocation.coordinates(DENVER.lat, DENVER.lng), **fields)]
    )
    provider = ProviderFactory(locations=[placed])

    assert npis(providers_near(origin=DENVER, radius_km=1)) == [provider.npi]


def test_practices_near_lists_each_accepting_practice_once_at_its_nearest_fitting_location():
    practice = PracticeFactory(name="Front Range IR")
    near = location_km_north(4, practice=practice)
    far = location_km_north(9, practice=practice)
    ProviderFactory(locations=[near, far], procedures=["vertebroplasty-kyphoplasty"])
    other = PracticeFactory(name="Closer but wrong procedure")
    ProviderFactory(locations=[location_km_north(1, practice=other)], procedures=["facet-joint-injection"])
    closed = PracticeFactory(name="Closed to referrals", accepting_referrals=False)
    ProviderFactory(
        locations=[location_km_north(2, practice=closed)], procedures=["vertebroplasty-kyphoplasty"]
    )

    found = practices_near(origin=DENVER, radius_km=25, procedure="vertebroplasty-kyphoplasty")

    assert [(item.practice, item.location) for item in found] == [(practice, near)]
    assert found[0].distance_km == pytest.approx(4, rel=0.005)


def test_practices_near_orders_practices_by_distance():
    first, second = PracticeFactory(), PracticeFactory()
    ProviderFactory(locations=[location_km_north(7, practice=second)])
    ProviderFactory(locations=[location_km_north(3, practice=first)])

    assert [item.practice for item in practices_near(origin=DENVER, radius_km=25)] == [first, second]


# A practice for the property below: where its locations are (km north of Denver; equal
# values share a spot, so distances tie), its name, and what its provider there offers.
practice_layouts = st.lists(
    st.tuples(
        st.lists(st.sampled_from([2.0, 5.0, 5.0, 11.5, 30.0, 45.0]), min_size=1, max_size=3),
        st.sampled_from(["Front Range IR", "Alpine IR"]),
        st.sampled_from(
            ["vertebroplasty-kyphoplasty", "vertebroplasty-kyphoplasty", "facet-joint-injection"]
        ),
        st.sampled_from([True, True, False]),  # accepting referrals
        st.sampled_from([True, True, False]),  # provider listed
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=50, deadline=None)
@given(layouts=practice_layouts)
def test_the_lean_practice_search_finds_what_the_full_one_finds_in_the_same_order(layouts) -> None:
    with transaction.atomic():
        for spots, name, procedure, accepting, listed in layouts:
            practice = PracticeFactory(name=name, accepting_referrals=accepting)
            locations = [location_km_north(km, practice=practice) for km in spots]
            ProviderFactory(locations=locations, procedures=[procedure], is_listed=listed)
        wanted = Procedure.objects.get(slug="vertebroplasty-kyphoplasty")

        full = practices_near(origin=DENVER, radius_km=40, procedure=wanted.slug)
        lean = practice_hits_near(origin=DENVER, radius_km=40, procedure=wanted.pk)

        assert [(hit.practice_id, hit.practice_name, hit.location_id) for hit in lean] == [
            (item.practice.pk, item.practice.name, item.location.pk) for item in full
        ]
        assert [hit.distance_km for hit in lean] == pytest.approx([item.distance_km for item in full])
        transaction.set_rollback(True)


def test_provider_by_npi_hides_unlisted_providers():
    from django.http import Http404

    listed = ProviderFactory.create()
    gone = ProviderFactory.create(is_listed=False)

    assert provider_by_npi(listed.npi) == listed
    with pytest.raises(Http404):
        provider_by_npi(gone.npi)


def test_search_results_page_like_a_queryset_for_django_paginator():
    from django.core.paginator import Paginator

    providers = [ProviderFactory(locations=[location_km_north(km)]) for km in (1, 2, 3)]

    paginator = Paginator(providers_near(origin=DENVER, radius_km=25), 2)

    assert paginator.count == 3
    assert npis(paginator.page(2).object_list) == [providers[2].npi]


def test_a_page_comes_with_the_total_from_one_ranking_query():
    providers = [ProviderFactory(locations=[location_km_north(km)]) for km in (1, 2, 3)]

    page, total = providers_near(origin=DENVER, radius_km=25).page(2, 2)

    assert total == 3
    assert npis(page) == [providers[2].npi]
    assert providers_near(origin=DENVER, radius_km=25).page(5, 2) == ([], 3)
