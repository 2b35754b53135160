"""The public pages: home, the finder and provider profiles, including their bad-input handling."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from demo.directory_data import seed_directory
from directory.models import ListingReport, PracticeLocation, Provider
from tests.directory.factories import PracticeLocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

FIND = "/find/"


def near_zip(postal_code: str, **kwargs: object) -> PracticeLocation:
    return PracticeLocationFactory.create(postal_code=postal_code, **kwargs)


def first_match(pattern: str, html: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match.group(1) if match.groups() else match.group(0)


def profile_url(provider: Provider) -> str:
    return reverse("directory:provider", args=[provider.npi])


def field_error(html: str, field: str) -> str:
    """The error text rendered next to ``field`` (empty when there is none)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def test_home_links_to_the_finder_and_the_symptom_check(client):
    html = client.get("/").content.decode()

    assert 'href="/find/"' in html
    assert 'href="/check/"' in html


def test_home_explains_self_care_and_the_conditions_irs_treat(client):
    html = client.get("/").content.decode()

    assert "Keep moving" in html
    assert "physical therapist" in html
    assert "Spinal stenosis" in html
    assert "Vertebroplasty and kyphoplasty" in html


def test_finder_without_a_search_shows_only_the_form(client):
    response = client.get(FIND)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_near">' in html
    assert "results-title" not in html


def test_finder_lists_demo_providers_near_a_seeded_zip(client):
    seed_directory(providers=30)

    response = client.get(FIND, {"near": "10001"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "of 10001" in html
    assert '<ol class="results"' in html
    assert re.search(r"mile(s)? away", html)
    assert 'href="tel:' in html


def test_results_are_nearest_first_with_distance_address_and_procedures(client):
    far = ProviderFactory.create(
        first_name="Far", locations=[near_zip("10301", city="Staten Island", state="NY")]
    )
    near = ProviderFactory.create(
        first_name="Near",
        locations=[near_zip("10001", city="New York", state="NY")],
        procedures=["vertebroplasty-kyphoplasty"],
    )

    html = client.get(FIND, {"near": "10001", "radius": "25"}).content.decode()

    assert html.index(profile_url(near)) < html.index(profile_url(far))
    # Both offices are known only by their ZIP's centre: no precise-looking "0.0 miles".
    assert "in ZIP 10001, less than 1 mile away" in html
    assert "0.0 miles away" not in html
    assert "New York, NY 10001" in html
    assert "Vertebroplasty and kyphoplasty" in html


def test_accepting_new_patients_is_said_in_words(client):
    ProviderFactory.create(accepting_new_patients=True, locations=[near_zip("60601")])
    ProviderFactory.create(accepting_new_patients=False, locations=[near_zip("60601")])

    html = client.get(FIND, {"near": "60601"}).content.decode()

    assert "Accepting new patients" in html
    assert "Not accepting new patients" in html


def test_accepting_filter_leaves_out_providers_not_taking_patients(client):
    taking = ProviderFactory.create(accepting_new_patients=True, locations=[near_zip("60601")])
    full = ProviderFactory.create(accepting_new_patients=False, locations=[near_zip("60601")])

    html = client.get(FIND, {"near": "60601", "accepting": "true"}).content.decode()

    assert profile_url(taking) in html
    assert profile_url(full) not in html


def test_distances_are_shown_in_kilometres_when_asked(client):
    ProviderFactory.create(locations=[near_zip("10301")])

    html = client.get(FIND, {"near": "10001", "units": "km", "radius": "40"}).content.decode()

    assert "km away" in html
    assert "within 40 km" in html


def test_map_gets_the_results_coordinates_and_leaflet_from_our_static_files(client, settings):
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    provider = ProviderFactory.create(locations=[near_zip("94103")])

    html = client.get(FIND, {"near": "94103"}).content.decode()

    points = json.loads(first_match(r'id="map-points"[^>]*>(.*?)</script>', html))
    config = json.loads(first_match(r'id="map-config"[^>]*>(.*?)</script>', html))
    assert points[0]["doctors"][0]["url"] == profile_url(provider) + "?near=94103"
    assert points[0]["lat"] == pytest.approx(37.77, abs=0.05)
    assert config["tileUrl"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert config["icons"]["iconUrl"].endswith("vendor/leaflet/images/marker-icon.png")
    assert "/static/vendor/leaflet/leaflet.js" in html


def test_a_search_with_no_match_says_so(client):
    html = client.get(FIND, {"near": "59001"}).content.decode()

    assert "No interventional radiologists match this search" in html


def test_second_page_holds_the_rest_and_links_keep_the_search(client):
    location = near_zip("77030", city="Houston", state="TX")
    for _ in range(23):
        ProviderFactory.create(locations=[location])

    first = client.get(FIND, {"near": "77030", "procedure": ""}).content.decode()
    second = client.get(FIND, {"near": "77030", "page": "2"}).content.decode()

    assert "near=77030" in first_match(r'href="([^"]*)" rel="next"', first)
    assert second.count('class="result"') == 3
    assert '<ol class="results" start="21">' in second


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"near": "Atlantis, ZZ"}, "near", "could not find"),
        ({"near": "00000"}, "near", "could not find the ZIP code"),
        ({"near": ""}, "near", "where to search from"),
        ({"near": "10001", "radius": "0"}, "radius", "more than 0"),
        ({"near": "10001", "radius": "251"}, "radius", "at most 250"),
        ({"near": "10001", "radius": "far"}, "radius", "number"),
        ({"near": "10001", "units": "furlongs"}, "units", "miles"),
        ({"near": "10001", "procedure": "back-massage"}, "procedure", "not a procedure we list"),
        ({"near": "10001", "condition": "sore-back"}, "condition", "not a condition we list"),
        ({"near": "10001", "language": "xx"}, "language", "not a language code we list"),
    ],
)
def test_bad_search_is_a_400_with_the_message_next_to_the_field(client, params, field, words):
    response = client.get(FIND, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert words in field_error(html, field)
    assert 'class="error-summary"' in html
    assert f'href="#id_{field}"' in html


@pytest.mark.parametrize(
    ("page", "words"), [("abc", "whole number"), ("0", "numbered from 1"), ("9", "only 1 page of results")]
)
def test_bad_page_is_a_400_that_says_why(client, page, words):
    ProviderFactory.create(locations=[near_zip("02115")])

    response = client.get(FIND, {"near": "02115", "page": page})

    assert response.status_code == 400
    summary = first_match(r'class="error-summary".*?</div>', response.content.decode())
    assert "Page:" in summary
    assert words in summary


def test_bad_search_keeps_what_the_person_typed(client):
    html = client.get(FIND, {"near": "10001", "radius": "900"}).content.decode()

    assert 'value="10001"' in html
    assert 'value="900"' in html


def test_blank_radius_searches_the_default_distance(client):
    response = client.get(FIND, {"near": "10001", "radius": ""})

    assert response.status_code == 200
    assert "within 25 miles" in response.content.decode()


def test_profile_shows_credential_languages_catalog_and_every_location(client):
    first = near_zip("10001", city="New York", state="NY", phone="(212) 555-0110")
    second = near_zip("02115", city="Boston", state="MA")
    first.mark_verified()
    first.save()
    provider = ProviderFactory.create(
        credential="DO",
        locations=[first, second],
        procedures=["epidural-steroid-injection"],
        conditions=["herniated-disc"],
        languages=["en", "es"],
    )

    response = client.get(profile_url(provider))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Doctor of Osteopathic Medicine" in html
    assert "Spanish" in html
    assert "Epidural steroid injection" in html
    assert "press on a nerve" in html  # the herniated disc description, in plain words
    assert "New York, NY 10001" in html
    assert "Boston, MA 02115" in html
    assert 'href="tel:2125550110"' in html
    assert "openstreetmap.org/search" in html
    assert "Listing last verified" in html
    assert "not yet verified" in html


def test_profile_of_an_unlisted_provider_is_a_404(client):
    provider = ProviderFactory.create(is_listed=False, locations=[near_zip("10001")])

    assert client.get(profile_url(provider)).status_code == 404


def test_unlisted_providers_are_left_out_of_results(client):
    gone = ProviderFactory.create(is_listed=False, locations=[near_zip("10001")])

    html = client.get(FIND, {"near": "10001"}).content.decode()

    assert profile_url(gone) not in html


def test_report_form_stores_the_report_and_thanks_the_person(client):
    location = near_zip("10001")
    provider = ProviderFactory.create(locations=[location])

    response = client.post(
        profile_url(provider),
        {"problem": "phone", "details": "The number rings a bakery.", "location": location.pk},
        follow=True,
    )

    report = ListingReport.objects.get()
    assert (report.provider, report.location, report.problem) == (provider, location, "phone")
    assert report.is_open
    assert response.redirect_chain[0][1] == 302
    assert "Thank you" in response.content.decode()


def test_report_without_a_problem_is_a_400_and_stores_nothing(client):
    provider = ProviderFactory.create(locations=[near_zip("10001")])

    response = client.post(profile_url(provider), {"details": "Wrong."})

    assert response.status_code == 400
    assert "Choose what is wrong" in field_error(response.content.decode(), "problem")
    assert not ListingReport.objects.exists()


def test_report_naming_another_providers_location_is_refused(client):
    provider = ProviderFactory.create(locations=[near_zip("10001"), near_zip("10002")])
    elsewhere = near_zip("02115")

    response = client.post(profile_url(provider), {"problem": "address", "location": elsewhere.pk})

    assert response.status_code == 400
    assert field_error(response.content.decode(), "location")
    assert not ListingReport.objects.exists()
