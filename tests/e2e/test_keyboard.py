"""The self-check and the finder work from the keyboard alone, in a sensible focus order.

Tab moves between fields, Space ticks a radio button, the arrow keys move within a yes/no pair
(the standard keys for a radio group), typing fills a box or picks an option, Enter submits.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.scenes import PATIENT_ZIP, denver_offices

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute("name"), type: e.getAttribute("type"),
          value: e.value ?? null, text: (e.textContent || "").trim().slice(0, 80)};
}"""


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(FOCUSED)


def assert_focus_on(page: Page, **expected: Any) -> None:
    now = focused(page)
    assert {key: now.get(key) for key in expected} == expected, f"focus is on {now}"


def tab_to(page: Page, matches: dict[str, Any], *, within: int = 60) -> list[dict[str, Any]]:
    """Press Tab until the focused element has every attribute in ``matches``; returns what was passed."""
    passed: list[dict[str, Any]] = []
    for _ in range(within):
        page.keyboard.press("Tab")
        now = focused(page)
        if all(now.get(key) == value for key, value in matches.items()):
            return passed
        passed.append(now)
    raise AssertionError(f"Tab never reached {matches}; it went through {passed}")


def test_the_self_check_can_be_completed_by_keyboard_in_question_order(page: Page) -> None:
    page.goto("/check/")
    question_order = [
        radio.get_attribute("name") for radio in page.locator("input[type=radio][value=yes]").all()
    ]
    assert len(question_order) == 14

    tab_to(page, {"name": "age"})
    page.keyboard.type("52")
    page.keyboard.press("Tab")
    assert_focus_on(page, name="pain_duration_weeks")
    page.keyboard.type("3")
    for name in question_order:
        page.keyboard.press("Tab")
        # Each yes/no pair is one stop, in the order the questions are printed.
        assert_focus_on(page, name=name, value="yes")
        if name == "leg_numbness_tingling":
            page.keyboard.press("Space")
        else:
            page.keyboard.press("ArrowRight")
            assert_focus_on(page, name=name, value="no")
    page.keyboard.press("Tab")
    assert_focus_on(page, tag="button", text="See what to do")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/check/result/"))
    expect(page.locator(".result-soon")).to_be_visible()
    # From the top of the result page, the skip link is the first stop and lands on the result.
    page.keyboard.press("Tab")
    assert_focus_on(page, text="Skip to main content")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page.locator("main")).to_contain_text("Numbness or tingling")


def test_the_finder_can_be_used_by_keyboard_from_search_to_profile(page: Page) -> None:
    summit = denver_offices()["summit"].provider
    page.goto("/find/")

    tab_to(page, {"name": "near"})
    page.keyboard.type(PATIENT_ZIP)
    tab_to(page, {"name": "procedure"})
    page.keyboard.type("Vertebro")
    expect(page.get_by_label("Procedure")).to_have_value("vertebroplasty-kyphoplasty")
    tab_to(page, {"tag": "button", "text": "Search"})
    page.keyboard.press("Enter")

    expect(page.locator("ol.results > li")).to_have_count(1)
    # Past the search form again, the first result's name is the next stop.
    tab_to(page, {"tag": "button", "text": "Search"})
    page.keyboard.press("Tab")
    assert_focus_on(page, tag="a", text=summit.display_name)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/find/{summit.npi}/\\?near={PATIENT_ZIP}&"))
    expect(page.get_by_role("heading", level=1)).to_have_text(summit.display_name)
