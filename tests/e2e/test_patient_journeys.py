"""A patient in a real browser: finds an IR near a ZIP, narrows the search, reads the self-check result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.scenes import PATIENT_ZIP, VERTEBROPLASTY, denver_offices

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_patient_finds_an_ir_near_a_zip_filters_by_procedure_and_opens_a_profile(page: Page) -> None:
    offices = denver_offices()
    summit = offices["summit"].provider

    page.goto("/")
    page.get_by_role("link", name="Find an interventional radiologist near you").first.click()
    page.get_by_label("Near").fill(PATIENT_ZIP)
    page.get_by_role("button", name="Search").click()

    results = page.locator("ol.results > li")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text("Lakeside Spine and Vascular")
    expect(results.nth(1)).to_contain_text("Summit Interventional Radiology")
    expect(page.locator("#results-map")).to_be_visible()

    page.get_by_label("Procedure").select_option(VERTEBROPLASTY)
    page.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(f"procedure={VERTEBROPLASTY}"))
    expect(results).to_have_count(1)
    expect(page.get_by_role("heading", level=2)).to_contain_text("1 interventional radiologist within")
    page.get_by_role("link", name=summit.display_name).click()

    # The profile keeps the search in its address, for "Back to your search results".
    expect(page).to_have_url(re.compile(f"/find/{summit.npi}/\\?near={PATIENT_ZIP}&"))
    expect(page.get_by_role("heading", level=1)).to_have_text(summit.display_name)
    expect(page.get_by_role("heading", name="Summit Interventional Radiology")).to_be_visible()
    expect(page.locator("section", has_text="Procedures offered")).to_contain_text("Vertebroplasty")


def test_an_unknown_zip_is_named_in_the_error_summary_and_keeps_the_search_box(page: Page) -> None:
    page.goto("/find/")
    page.get_by_label("Near").fill("00000")
    page.get_by_role("button", name="Search").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem with your search")
    expect(summary.get_by_role("link")).to_contain_text("Near")
    expect(page.get_by_label("Near")).to_have_value("00000")
    expect(page).to_have_title(re.compile("^Error: "))


def answer_self_check(page: Page, *, age: int, weeks: int, yes: tuple[str, ...] = ()) -> None:
    """Fill the self-check: the questions whose ids are in ``yes`` answered Yes, all others No."""
    page.get_by_label("How old are you?").fill(str(age))
    page.get_by_label("How many weeks has your back hurt?").fill(str(weeks))
    for radio in page.locator("input[type=radio][value=no]").all():
        name = radio.get_attribute("name")
        value = "yes" if name in yes else "no"
        page.locator(f"input[type=radio][name={name}][value={value}]").check()
    page.get_by_role("button", name="See what to do").click()


def test_an_emergency_answer_puts_the_emergency_message_first(page: Page) -> None:
    page.goto("/check/")
    answer_self_check(page, age=48, weeks=1, yes=("bladder_bowel_difficulty",))

    expect(page).to_have_url(re.compile(r"/check/result/[0-9a-f-]{36}/$"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("911")
    first_heading = page.locator("main h1").first
    expect(first_heading).to_be_visible()
    # The emergency message is the first thing in the page's content, before any explanation.
    first_text = page.locator("main .triage > *").first
    expect(first_text).to_have_class(re.compile("alert-emergency"))
    # Emergency care comes first: the page does not send the patient off to book an IR.
    expect(page.get_by_role("link", name="Find an interventional radiologist near you")).to_have_count(0)


def test_no_warning_signs_give_self_care_advice(page: Page) -> None:
    page.goto("/check/")
    answer_self_check(page, age=35, weeks=2)

    expect(page.locator(".result-self_care")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    advice = page.locator(".result-headline li")
    expect(advice.first).to_be_visible()
    expect(page.locator(".result-headline")).to_contain_text(re.compile("activ", re.IGNORECASE))
    expect(page.get_by_text("You answered no to every warning-sign question")).to_be_visible()
