"""The public directory API as a client sees it: shapes, filters, units and every bad input."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic
from rest_framework import serializers

from directory.geo import KM_PER_MILE, resolve_place
from directory.selectors import provider_by_npi, providers_near
from directory.serializers import LocationSerializer, PracticeLocationSerializer, ProviderResultSerializer
from tests.directory.factories import PracticeLocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/providers/"
DENVER_ZIP = "80202"


def location_miles_north_of_denver(miles: float, **kwargs):
    origin = resolve_place(DENVER_ZIP)
    point = geodesic(miles=miles).destination((origin.lat, origin.lng), 0)
    return PracticeLocationFactory(latitude=point.latitude, longitude=point.longitude, **kwargs)


def search(api_client, **params):
    return api_client.get(SEARCH, {"near": DENVER_ZIP, **params})


def test_search_returns_the_documented_page_shape_with_origin_and_units(api_client):
    location = location_miles_north_of_denver(
        3,
        address_line1="1 Spine Way",
        address_line2="Suite 200",
        city="Denver",
        state="CO",
        phone="303-555-0199",
    )
    provider = ProviderFactory(
        npi="1234567893",
        first_name="Maria",
        last_name="Lopez",
        credential="MD",
        locations=[location],
        procedures=["vertebroplasty-kyphoplasty"],
        conditions=["vertebral-compression-fracture"],
        languages=["en", "es"],
    )

    response = search(api_client)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert body["units"] == "mi"
    assert body["origin"]["label"] == "80202 (Denver, CO)"
    assert body["results"] == [
        {
            "npi": provider.npi,
            "name": "Maria Lopez",
            "credential": "MD",
            "accepting_new_patients": True,
            "procedures": ["vertebroplasty-kyphoplasty"],
            "conditions": ["vertebral-compression-fracture"],
            "languages": ["en", "es"],
            "location": {
                "address": "1 Spine Way, Suite 200",
                "city": "Denver",
                "state": "CO",
                "postal_code": location.postal_code,
                "phone": "303-555-0199",
                "lat": pytest.approx(location.latitude),
                "lng": pytest.approx(location.longitude),
            },
            "distance": pytest.approx(3, abs=0.02),
        }
    ]


def test_distance_and_radius_follow_the_asked_units(api_client):
    ProviderFactory(locations=[location_miles_north_of_denver(10)])

    in_km = search(api_client, units="km", radius=20).json()
    in_miles = search(api_client, units="mi", radius=20).json()

    assert in_km["units"] == "km"
    assert in_km["results"][0]["distance"] == pytest.approx(10 * KM_PER_MILE, abs=0.05)
    assert in_miles["results"][0]["distance"] == pytest.approx(10, abs=0.03)
    assert search(api_client, units="km", radius=15).json()["count"] == 0


def test_default_radius_is_25_miles(api_client):
    ProviderFactory(locations=[location_miles_north_of_denver(24)])
    ProviderFactory(locations=[location_miles_north_of_denver(26)])

    assert search(api_client).json()["count"] == 1


def test_nearest_location_is_the_one_shown(api_client):
    ProviderFactory(
        locations=[
            location_miles_north_of_denver(12, city="Far"),
            location_miles_north_of_denver(2, city="Near"),
        ]
    )

    results = search(api_client).json()["results"]

    assert [result["location"]["city"] for result in results] == ["Near"]


@pytest.mark.parametrize(
    ("params", "matches"),
    [
        ({"procedure": "spinal-cord-stimulation"}, ["stim"]),
        ({"condition": "herniated-disc"}, ["disc"]),
        ({"accepting": "false"}, ["disc"]),
        ({"accepting": "true"}, ["stim"]),
        ({"language": "es"}, ["stim"]),
        ({"procedure": "", "language": ""}, ["stim", "disc"]),
    ],
)
def test_each_filter_narrows_the_results(api_client, params, matches):
    spot = location_miles_north_of_denver(5)
    ProviderFactory(
        last_name="stim", locations=[spot], procedures=["spinal-cord-stimulation"], languages=["es"]
    )
    ProviderFactory(
        last_name="disc", locations=[spot], conditions=["herniated-disc"], accepting_new_patients=False
    )

    results = search(api_client, **params).json()["results"]

    assert sorted(r["name"].split()[-1] for r in results) == sorted(matches)


def test_pages_hold_twenty_and_link_to_each_other(api_client):
    spot = location_miles_north_of_denver(5)
    for _ in range(25):
        ProviderFactory(locations=[spot])

    first = search(api_client).json()
    second = search(api_client, page=2).json()

    assert first["count"] == 25 and len(first["results"]) == 20
    assert "page=2" in first["next"] and first["previous"] is None
    assert len(second["results"]) == 5 and second["next"] is None
    assert "page=" not in second["previous"] and "near=80202" in second["previous"]
    assert {r["npi"] for r in first["results"]}.isdisjoint(r["npi"] for r in second["results"])


def test_an_empty_search_is_a_page_with_no_results_not_an_error(api_client):
    response = search(api_client)

    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"near": None}, "near", "Tell us where to search from"),
        ({"near": ""}, "near", "Tell us where to search from"),
        ({"near": "00000"}, "near", "could not find the ZIP code"),
        ({"near": "Atlantis, ZZ"}, "near", "could not find"),
        ({"near": "95,10"}, "near", "Latitude 95 is out of range"),
        ({"radius": "0"}, "radius", "more than 0 and at most 250 miles"),
        ({"radius": "-3"}, "radius", "out of range"),
        ({"radius": "251"}, "radius", "at most 250 miles"),
        ({"radius": "300", "units": "km"}, "radius", "at most 250 kilometres"),
        ({"radius": "ten"}, "radius", "as a number"),
        ({"radius": "nan"}, "radius", "as a number"),
        ({"units": "furlongs"}, "units", '"mi" for miles'),
        ({"procedure": "back-rub"}, "procedure", "epidural-steroid-injection"),
        ({"condition": "sore"}, "condition", "spinal-stenosis"),
        ({"accepting": "yes"}, "accepting", 'Use "true" or "false"'),
        ({"accepting": "1"}, "accepting", 'Use "true" or "false"'),
        ({"language": "xx"}, "language", "not a language code we list"),
        ({"page": "two"}, "page", "whole number"),
        ({"page": "0"}, "page", "numbered from 1"),
        ({"page": "9"}, "page", "past the last page"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_in_a_sentence(api_client, params, field, says):
    query = {"near": DENVER_ZIP, **params}
    query = {key: value for key, value in query.items() if value is not None}

    response = api_client.get(SEARCH, query)

    assert response.status_code == 400
    assert says in response.json()[field][0]


def test_unknown_slug_lists_every_valid_slug(api_client):
    message = search(api_client, procedure="back-rub").json()["procedure"][0]

    assert "vertebroplasty-kyphoplasty" in message and "targeted-drug-delivery" in message


def test_a_results_page_costs_a_bounded_number_of_queries(api_client, django_assert_max_num_queries):
    for index in range(20):
        ProviderFactory(
            locations=[location_miles_north_of_denver(index + 1), location_miles_north_of_denver(index + 2)],
            procedures=["facet-joint-injection", "epidural-steroid-injection"],
            conditions=["spinal-stenosis"],
            languages=["en", "es"],
        )

    # Slug check, the procedure's catalog entry, the listing's version (for the cache), the
    # count, the ranked page with its providers (at most three tries, each in a wider
    # circle), the page's locations with their practices, and the catalog.
    with django_assert_max_num_queries(9):
        response = search(api_client, procedure="facet-joint-injection")

    assert len(response.json()["results"]) == 20


def test_provider_detail_lists_every_location(api_client):
    provider = ProviderFactory(
        locations=[location_miles_north_of_denver(1), location_miles_north_of_denver(60)]
    )

    response = api_client.get(f"/api/v1/providers/{provider.npi}/")

    assert response.status_code == 200
    assert response.json()["npi"] == provider.npi
    assert len(response.json()["locations"]) == 2


def test_provider_who_left_the_directory_is_a_404(api_client):
    gone = ProviderFactory(is_listed=False)

    assert api_client.get(f"/api/v1/providers/{gone.npi}/").status_code == 404
    assert api_client.get("/api/v1/providers/0000000000/").status_code == 404


def test_catalog_lists_carry_slug_name_and_description(api_client):
    procedures = api_client.get("/api/v1/procedures/").json()
    conditions = api_client.get("/api/v1/conditions/").json()

    assert {p["slug"] for p in procedures["results"]} == {
        "epidural-steroid-injection",
        "facet-joint-injection",
        "percutaneous-discectomy",
        "vertebroplasty-kyphoplasty",
        "interspinous-spacer",
        "spinal-cord-stimulation",
        "targeted-drug-delivery",
    }
    assert conditions["count"] == 4
    assert all(c["name"] and c["description"] for c in conditions["results"])


def test_openapi_schema_documents_the_search_parameters(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/providers/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"near", "radius", "units", "procedure", "condition", "accepting", "language", "page"} <= names
    assert "/api/v1/providers/{npi}/" in schema["paths"]


def test_openapi_schema_validates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_results_and_profiles_say_exactly_what_their_declared_fields_say():
    """The hand-built representations must not drift from the fields the schema documents."""
    ProviderFactory(
        locations=[
            location_miles_north_of_denver(4, address_line2="Suite 9", phone=""),
            location_miles_north_of_denver(9),
        ],
        procedures=["facet-joint-injection", "epidural-steroid-injection"],
        conditions=["spinal-stenosis"],
        languages=["en", "vi"],
        middle_name="Q",
    )
    (hit,) = providers_near(origin=resolve_place(DENVER_ZIP), radius_km=40)[:]
    result = ProviderResultSerializer(hit, context={"units": "km"})
    generic = serializers.ModelSerializer.to_representation(result, hit)
    generic["location"] = serializers.ModelSerializer.to_representation(
        LocationSerializer(), hit.nearest_location
    )

    assert result.data == generic
    for location in provider_by_npi(hit.npi).locations.all():
        detail = PracticeLocationSerializer(location)
        assert detail.data == serializers.ModelSerializer.to_representation(detail, location)


def test_a_city_name_several_states_share_is_a_400_on_near_listing_the_choices(api_client):
    response = search(api_client, near="kansas city")

    assert response.status_code == 400
    assert response.json() == {
        "near": [
            "There is a Kansas City in 2 states. Which one do you mean? Kansas City, KS; Kansas City, MO."
        ]
    }


def test_a_city_with_its_state_in_full_and_in_any_case_is_searched_from_that_city(api_client):
    ProviderFactory(locations=[location_miles_north_of_denver(3)])

    response = search(api_client, near="denver, colorado")

    assert response.status_code == 200
    assert response.json()["origin"]["label"] == "Denver, CO"
    assert response.json()["count"] == 1
