"""The finder as a new user meets it, on a phone and offline: nothing it says should be untrue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from directory.models import PracticeLocation
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.e2e.conftest import TILE_PATH
from tests.e2e.scenes import PATIENT_ZIP, denver_offices

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}


def offices_at_the_zip_centre(count: int) -> list[str]:
    """``count`` offices placed only at PATIENT_ZIP's centre (no street geocode); their doctors' names."""
    names = []
    for index in range(count):
        location = PracticeLocationFactory.create(
            practice=PracticeFactory.create(name=f"Centre Spine {index}"), postal_code=PATIENT_ZIP
        )
        assert location.geocode_source == PracticeLocation.GeocodeSource.ZIP_CENTROID
        names.append(ProviderFactory.create(locations=[location], last_name=f"Zipson{index}").display_name)
    return names


def search(page: Page, near: str = PATIENT_ZIP) -> None:
    page.goto("/find/")
    page.get_by_label("Near").fill(near)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.results > li").first).to_be_visible()


def test_with_no_tile_server_the_map_says_it_could_not_load_and_the_list_stays(page: Page) -> None:
    denver_offices()
    page.route(f"**{TILE_PATH}**", lambda route: route.abort())

    search(page)

    expect(page.get_by_role("status").filter(has_text="The map could not load")).to_be_visible()
    expect(page.locator("#results-map")).to_be_hidden()
    expect(page.locator("ol.results > li")).to_have_count(2)


def test_offices_sharing_one_spot_are_one_marker_with_their_count_and_names(page: Page) -> None:
    names = offices_at_the_zip_centre(3)

    search(page)

    markers = page.locator("#results-map .leaflet-marker-icon")
    expect(markers).to_have_count(1)
    expect(markers).to_have_text("3")
    title = markers.get_attribute("title") or ""
    assert title.startswith("3 doctors at this spot")
    assert all(name in title for name in names)
    markers.click()
    expect(page.locator(".leaflet-popup-content a")).to_have_count(3)


def test_an_office_known_only_by_its_zip_says_so_instead_of_0_0_miles(page: Page) -> None:
    offices_at_the_zip_centre(1)
    denver_offices()

    search(page)

    results = page.locator("ol.results > li")
    expect(results.filter(has_text="Zipson0")).to_contain_text(f"in ZIP {PATIENT_ZIP}, less than 1 mile away")
    expect(page.locator("ol.results")).not_to_contain_text("0.0 miles away")
    # An office placed at its street address keeps its precise distance.
    expect(results.filter(has_text="Lakeside Spine and Vascular")).to_contain_text(
        re.compile(r"\d\.\d miles away")
    )


def test_the_within_box_shows_the_radius_the_search_used(page: Page) -> None:
    denver_offices()

    page.goto(f"/find/?near={PATIENT_ZIP}")

    expect(page.get_by_role("heading", level=2)).to_contain_text("within 25 miles")
    expect(page.get_by_role("spinbutton", name="Within")).to_have_value("25")


def test_back_from_a_profile_returns_to_the_same_results(page: Page) -> None:
    summit = denver_offices()["summit"].provider
    page.goto(f"/find/?near={PATIENT_ZIP}&radius=20&procedure=vertebroplasty-kyphoplasty")
    results_url = page.url

    page.get_by_role("link", name=summit.display_name).click()
    page.get_by_role("link", name="Back to your search results").click()

    assert page.url == results_url
    expect(page.locator("ol.results > li")).to_have_count(1)
    expect(page.get_by_role("spinbutton", name="Within")).to_have_value("20")


def test_after_reporting_a_wrong_listing_the_thank_you_is_where_the_person_looks(page: Page) -> None:
    lakeside = denver_offices()["lakeside"].provider
    page.set_viewport_size(PHONE)
    page.goto(f"/find/{lakeside.npi}/?near={PATIENT_ZIP}")

    page.get_by_label("The phone number is wrong").check()
    page.get_by_role("button", name="Send report").click()

    thanks = page.get_by_role("status").filter(has_text="Thank you")
    expect(thanks).to_be_in_viewport()
    expect(page).to_have_url(re.compile(rf"/find/{lakeside.npi}/\?near={PATIENT_ZIP}#report$"))


def test_an_empty_self_check_on_a_phone_keeps_the_911_line_and_a_short_summary_in_view(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/check/")

    page.get_by_role("button", name="See what to do").click()

    emergency = page.locator(".alert-emergency").filter(has_text="In an emergency call 911")
    summary = page.locator("#error-summary")
    expect(emergency).to_be_in_viewport()
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("There are 16 problems with your answers")
    box = summary.bounding_box()
    assert box is not None and box["height"] < 250
    emergency_box = emergency.bounding_box()
    assert emergency_box is not None and emergency_box["y"] < box["y"]
    summary.get_by_role("link").click()
    expect(page.get_by_label("How old are you?")).to_be_in_viewport()
