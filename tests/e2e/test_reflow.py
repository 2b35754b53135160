"""Every public and clinician page reflows at 320 CSS pixels (WCAG 2.1, 1.4.10): nothing needs
scrolling sideways, whatever state the page is in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from referrals import patient_outcomes
from referrals.roles import coordinator_group
from referrals.tokens import api_token_create
from tests.e2e.scenes import PATIENT_ZIP, clinician, denver_offices
from tests.e2e.test_accessibility import submitted_referral
from tests.referrals.factories import UserFactory
from tests.triage.factories import AssessmentFactory, answers_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARROW: ViewportSize = {"width": 320, "height": 640}


# What reaches past the window's right edge (the innermost such elements, and text spilling out
# of its box): what to fix when the test fails.
OVERFLOWING = """(limit) => {
  const past = (e) => e.getBoundingClientRect().right > limit + 0.5;
  const name = (e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}`;
  const all = [...document.querySelectorAll('body *')];
  const boxes = all.filter((e) => past(e) && ![...e.children].some(past));
  const spills = all.filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
    && getComputedStyle(e).overflowX === 'visible' && ![...e.children].some(past));
  return [...boxes, ...spills].slice(0, 6).map(name);
}"""


def assert_no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    culprits = [] if width <= NARROW["width"] else page.evaluate(OVERFLOWING, NARROW["width"])
    assert width <= NARROW["width"], f"{page.url} is {width} px wide at {NARROW['width']} px: {culprits}"


def provider_path() -> str:
    return f"/find/{denver_offices()['summit'].provider.npi}/"


def result_path() -> str:
    denver_offices()
    return (
        f"/check/result/{AssessmentFactory.create(age=50, answers=answers_with('leg_weakness')).public_id}/"
    )


def outcome_path() -> str:
    referral = submitted_referral(clinician(), yes=())
    return f"/outcome/{patient_outcomes.outcome_invite_create(referral=referral).token}/"


# name: (path made on the server, text the page must show)
PUBLIC_PAGES: dict[str, tuple[Callable[[], str], str]] = {
    "home": (lambda: "/", "what helps"),
    "find": (lambda: "/find/", "Find an interventional radiologist near you"),
    "find with results": (
        lambda: (
            denver_offices(),
            f"/find/?near={PATIENT_ZIP}&radius=25&procedure=epidural-steroid-injection",
        )[1],
        "within",
    ),
    "find with errors": (lambda: "/find/?near=00000&radius=900", "There is a problem with your search"),
    "find in Spanish": (lambda: (denver_offices(), f"/es/find/?near={PATIENT_ZIP}&radius=25")[1], "25"),
    "provider profile": (provider_path, "Dana"),
    "self-check": (lambda: "/check/", "Check your back pain symptoms"),
    "self-check in Spanish": (lambda: "/es/check/", "Revise sus síntomas de dolor de espalda"),
    "home in Spanish": (lambda: "/es/", "qué ayuda y cuándo ir al médico"),
    "self-check result": (result_path, "All your answers"),
    "login": (lambda: "/accounts/login/", "log in"),
    "outcome report": (outcome_path, "How is your back?"),
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_reflows_at_320_px(page: Page, name: str) -> None:
    path_for, shows = PUBLIC_PAGES[name]
    path = path_for()
    page.set_viewport_size(NARROW)
    page.goto(path)
    expect(page.locator("main")).to_contain_text(shows, ignore_case=True)
    assert_no_sideways_scrolling(page)


def referral_path(doctor: Any, *yes: str) -> str:
    return f"/referrals/{submitted_referral(doctor, yes=yes).public_id}/"


def token_path(doctor: Any) -> str:
    api_token_create(user=doctor)
    return "/referrals/api-token/"


CLINICIAN_PAGES: dict[str, tuple[Callable[[Any], str], str]] = {
    "referral list": (lambda doctor: "/referrals/", "My referrals"),
    "referral form": (lambda doctor: "/referrals/new/", "Refer a patient"),
    "routed referral": (lambda doctor: referral_path(doctor, "leg_weakness"), "Where it went"),
    "emergency referral": (
        lambda doctor: referral_path(doctor, "saddle_numbness"),
        "Send this patient to emergency care now",
    ),
    "metrics": (lambda doctor: "/referrals/metrics/", "How my referrals are doing"),
    "API token": (token_path, "Expires"),
}


@pytest.mark.parametrize("name", CLINICIAN_PAGES)
def test_clinician_page_reflows_at_320_px(page: Page, sign_in: Callable[[Any], None], name: str) -> None:
    denver_offices()
    doctor = clinician()
    for yes in ((), ("leg_weakness",), ("saddle_numbness",)):
        submitted_referral(doctor, yes=yes)
    path_for, shows = CLINICIAN_PAGES[name]
    path = path_for(doctor)
    sign_in(doctor)
    page.set_viewport_size(NARROW)
    page.goto(path)
    expect(page.locator("main")).to_contain_text(shows)
    assert_no_sideways_scrolling(page)


def test_the_referral_form_with_errors_reflows_at_320_px(page: Page, sign_in: Callable[[Any], None]) -> None:
    sign_in(clinician())
    page.set_viewport_size(NARROW)
    page.goto("/referrals/new/")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_no_sideways_scrolling(page)


def test_a_new_api_token_and_its_example_reflow_at_320_px(page: Page, sign_in: Callable[[Any], None]) -> None:
    sign_in(clinician())
    page.set_viewport_size(NARROW)
    page.goto("/referrals/api-token/")
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_role("main")).to_contain_text("shown only this once")
    assert_no_sideways_scrolling(page)


def test_the_coordinators_worklist_reflows_at_320_px(page: Page, sign_in: Callable[[Any], None]) -> None:
    coordinator = UserFactory.create(username="coordinator", is_staff=True)
    coordinator.groups.add(coordinator_group())
    sign_in(coordinator)
    page.set_viewport_size(NARROW)
    page.goto("/referrals/worklist/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_sideways_scrolling(page)
