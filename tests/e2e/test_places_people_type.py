"""The finder takes places as people type them: a city in any case, a full state name, a
city several states share (it asks which), and "Use my location"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from directory.geo import zip_centroid
from tests.e2e.scenes import PATIENT_ZIP, denver_offices

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def search_near(page: Page, text: str) -> None:
    page.goto("/find/")
    page.get_by_label("Near").fill(text)
    page.get_by_role("button", name="Search").click()


def test_a_city_typed_in_lower_case_without_its_state_is_searched(page: Page) -> None:
    search_near(page, "chicago")

    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("heading", level=2)).to_contain_text("within 25 miles of Chicago, IL")


def test_a_city_with_its_state_written_in_full_finds_the_offices_there(page: Page) -> None:
    denver_offices()

    search_near(page, "Denver, Colorado")

    expect(page.get_by_role("heading", level=2)).to_contain_text("2 interventional radiologists")
    expect(page.get_by_role("heading", level=2)).to_contain_text("of Denver, CO")
    expect(page.locator("ol.results > li")).to_have_count(2)


def test_a_city_several_states_have_asks_which_one_and_each_choice_searches_there(page: Page) -> None:
    denver_offices()

    search_near(page, "denver")

    expect(page.get_by_role("alert")).to_contain_text("There is a Denver in 7 states. Which one do you mean?")
    choices = page.get_by_role("navigation", name="Which one do you mean?").get_by_role("link")
    expect(choices).to_have_count(7)
    expect(choices.first).to_have_text("Denver, CO")
    choices.filter(has_text="Denver, CO").click()

    expect(page).to_have_url(re.compile(r"near=Denver%2C\+CO"))
    expect(page.get_by_role("heading", level=2)).to_contain_text("2 interventional radiologists")
    expect(page.get_by_label("Near")).to_have_value("Denver, CO")


def test_use_my_location_titles_the_results_near_your_location_not_coordinates(page: Page) -> None:
    denver_offices()
    here = zip_centroid(PATIENT_ZIP)
    assert here is not None
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": here.lat, "longitude": here.lng})

    page.goto("/find/")
    page.get_by_role("button", name="Use my location").click()

    heading = page.get_by_role("heading", level=2)
    expect(heading).to_contain_text("2 interventional radiologists")
    expect(heading).to_contain_text("near your location")
    expect(heading).not_to_contain_text(f"{here.lat:.2f}")
