"""Where a search starts and how far things are: places, ranges and distance accuracy."""

from __future__ import annotations

import math
import random
from typing import Any, ClassVar

import pytest
from geopy.distance import geodesic

from directory import geo, places
from directory.geo import (
    KM_PER_MILE,
    AmbiguousPlace,
    Origin,
    PlaceNotFound,
    bounding_box,
    geocode_address,
    great_circle_km,
    lat_band,
    lat_bands,
    min_closeness,
    names_coordinates,
    resolve_place,
    unit_vector,
    zip_centroid,
)


def test_five_digit_zip_resolves_to_its_centroid_and_names_the_town():
    origin = resolve_place("10001")

    assert (origin.lat, origin.lng) == pytest.approx((40.7484, -73.9967), abs=1e-4)
    assert origin.label == "10001 (New York, NY)"


@pytest.mark.parametrize("text", ["10001-1234", "100011234", " 10001 "])
def test_zip_plus_four_resolves_like_its_five_digit_zip(text):
    assert resolve_place(text) == resolve_place("10001")


def test_city_and_state_resolve_to_the_centre_of_the_city_zips_in_any_case():
    origin = resolve_place("denver, co")

    assert origin.label == "Denver, CO"
    assert origin == resolve_place("DENVER, CO")
    assert origin.lat == pytest.approx(39.74, abs=0.1)
    assert origin.lng == pytest.approx(-104.98, abs=0.1)


@pytest.mark.parametrize(
    "text", ["chicago", "CHICAGO", "Chicago, Illinois", "chicago illinois", "Chicago IL", " chicago ,  il "]
)
def test_a_city_resolves_in_any_case_with_its_state_code_its_state_name_or_alone(text):
    assert resolve_place(text) == resolve_place("Chicago, IL")
    assert resolve_place(text).label == "Chicago, IL"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Kansas City Missouri", "Kansas City, MO"),
        ("kansas city, kansas", "Kansas City, KS"),
        ("New York New York", "New York, NY"),
        ("Washington, District of Columbia", "Washington, DC"),
        ("san juan, puerto rico", "San Juan, PR"),
    ],
)
def test_full_state_names_pick_the_city_in_that_state(text, label):
    assert resolve_place(text).label == label


def test_a_city_alone_that_several_states_have_asks_which_one_listing_them():
    with pytest.raises(AmbiguousPlace) as raised:
        resolve_place("springfield")

    assert len(raised.value.choices) == 24
    assert raised.value.choices[:3] == ["Springfield, AR", "Springfield, CO", "Springfield, GA"]
    assert "Springfield, IL" in raised.value.choices
    assert str(raised.value).startswith("There is a Springfield in 24 states. Which one do you mean?")
    assert "Springfield, MO" in str(raised.value)


def test_only_coordinates_count_as_a_location_from_the_device():
    assert names_coordinates("41.88,-87.63")
    assert not names_coordinates("Chicago, IL")
    assert not names_coordinates("60601")


def test_latitude_longitude_pair_is_taken_as_given():
    assert resolve_place("40.7, -74.0") == Origin(lat=40.7, lng=-74.0, label="40.70000, -74.00000")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("91,0", "Latitude 91 is out of range"),
        ("-90.5,0", "between -90 and 90"),
        ("0,181", "Longitude 181 is out of range"),
        ("0,-180.01", "between -180 and 180"),
        ("00000", "could not find the ZIP code 00000"),
        ("Atlantis, ZZ", 'could not find "Atlantis, ZZ"'),
        ("Chicago, Ilinois", 'could not find "Chicago, Ilinois"'),
        ("somewhere nice", "Enter a 5-digit ZIP code"),
        ("1234", "Enter a 5-digit ZIP code"),
        ("", "Tell us where to search from"),
    ],
)
def test_unusable_place_text_raises_a_readable_place_not_found(text, message):
    with pytest.raises(PlaceNotFound, match=message):
        resolve_place(text)


def test_zip_centroid_accepts_nine_digits_and_rejects_unknown_zips():
    assert zip_centroid("802021234") == zip_centroid("80202")
    assert zip_centroid("00000") is None
    assert zip_centroid("8020") is None


def test_military_zips_without_coordinates_are_not_places():
    with pytest.raises(PlaceNotFound):
        resolve_place("09001")


def test_distance_agrees_with_geopy_geodesic_within_half_a_percent_across_the_us():
    rng = random.Random(20240501)
    zips = [place.zip_code for place in places.all_zip_places()]
    worst = 0.0
    for _ in range(3000):
        start = zip_centroid(rng.choice(zips))
        assert start is not None
        km = rng.uniform(0.5, 250 * KM_PER_MILE)
        end = geodesic(kilometers=km).destination((start.lat, start.lng), rng.uniform(0, 360))
        error = abs(great_circle_km(start.lat, start.lng, end.latitude, end.longitude) - km) / km
        worst = max(worst, error)
    assert worst < 0.005


@pytest.mark.parametrize("place", ["96720", "00901", "99501", "33040", "04401"])
def test_distance_holds_at_the_low_latitude_and_high_latitude_edges(place):
    start = resolve_place(place)
    for bearing in range(0, 360, 45):
        end = geodesic(kilometers=400).destination((start.lat, start.lng), bearing)
        assert great_circle_km(start.lat, start.lng, end.latitude, end.longitude) == pytest.approx(
            400, rel=0.005
        )


def test_unit_vector_dot_product_is_the_cosine_of_the_great_circle_angle():
    rng = random.Random(7)
    for _ in range(500):
        a = (rng.uniform(-80, 80), rng.uniform(-180, 180))
        b = (a[0] + rng.uniform(-4, 4), a[1] + rng.uniform(-4, 4))
        dot = sum(p * q for p, q in zip(unit_vector(*a), unit_vector(*b), strict=True))
        radius = geo.earth_radius_km(a[0])
        assert math.acos(min(1.0, dot)) * radius == pytest.approx(great_circle_km(*a, *b), abs=1e-6)


def test_closeness_threshold_keeps_just_inside_the_radius_and_drops_just_outside():
    origin = resolve_place("80202")
    threshold = min_closeness(origin, 40)
    origin_vector = unit_vector(origin.lat, origin.lng)
    for km, inside in ((39.9, True), (40.1, False)):
        end = geodesic(kilometers=km).destination((origin.lat, origin.lng), 30)
        dot = sum(p * q for p, q in zip(origin_vector, unit_vector(end.latitude, end.longitude), strict=True))
        assert (dot >= threshold) is inside


def test_latitude_bands_cover_a_box_in_both_hemispheres():
    assert lat_band(0.1) == 0
    assert lat_band(-0.1) == -1
    assert lat_bands(39.9, 40.3) == [lat_band(39.9), lat_band(40.0), lat_band(40.3)]
    for low in (-33.95, -0.2, 12.4):
        bands = lat_bands(low, low + 0.6)
        assert all(lat_band(low + step / 100) in bands for step in range(61))


def test_bounding_box_holds_every_point_on_the_search_circle():
    origin = resolve_place("80202")
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, 100)
    for bearing in range(0, 360, 5):
        end = geodesic(kilometers=99.5).destination((origin.lat, origin.lng), bearing)
        assert min_lat <= end.latitude <= max_lat
        assert min_lng <= end.longitude <= max_lng


def test_bounding_box_opens_longitude_across_the_date_line():
    assert bounding_box(Origin(lat=52.0, lng=179.9, label="Aleutians"), 50)[2:] == (-180.0, 180.0)


def test_street_address_geocoder_is_off_by_default(settings):
    settings.GEOCODER = ""

    assert geocode_address("1600 Pennsylvania Ave NW, Washington, DC") is None


class CountingGeocoder:
    """A stand-in for a remote geocoding service that counts how often it is asked."""

    calls: ClassVar[list[str]] = []

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent

    def geocode(self, query: str) -> Any:
        CountingGeocoder.calls.append(query)

        class Found:
            latitude, longitude = 38.8977, -77.0365

        return Found()


def test_geocoder_answers_are_cached_so_an_address_is_sent_once(settings):
    from django.core.cache import cache

    cache.clear()
    CountingGeocoder.calls.clear()
    settings.GEOCODER = f"{__name__}.CountingGeocoder"
    settings.GEOCODER_MIN_DELAY_SECONDS = 0

    first = geocode_address("1600 Pennsylvania Ave NW, Washington, DC")
    second = geocode_address("1600  pennsylvania ave nw, washington, dc")

    assert first == second
    assert first is not None and first.lat == pytest.approx(38.8977)
    assert len(CountingGeocoder.calls) == 1
