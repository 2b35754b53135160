"""The metrics charts and the patient's outcome page pass axe and reflow to 320 px in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from referrals import patient_outcomes
from tests.e2e.conftest import axe_violations, describe_violations
from tests.referrals.factories import ReferralFactory, UserFactory
from tests.referrals.loop_scene import loop_scene

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST_HALF = "?since=2026-01-01&until=2026-06-30"


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "\n" + describe_violations(violations)


def assert_reflows_at_320_px(page: Page) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide nothing needs scrolling sideways."""
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the window"


def test_the_coordinators_metrics_page_with_its_charts_passes_axe(new_page: Callable[..., Page]) -> None:
    for copy in range(5):  # ten or more referrals behind every chart
        loop_scene(tag=f"-{copy}")
    page = new_page(UserFactory.create(username="root", is_staff=True, is_superuser=True))

    page.goto(f"/admin/referrals/loopmetrics/{FIRST_HALF}")

    for name in (
        "Loop closure by quarter of submission",
        "Time from submission to acceptance",
        "Clinically meaningful pain improvement by procedure",
    ):
        expect(page.get_by_role("img", name=name)).to_be_visible()
    assert_accessible(page)


def test_the_clinicians_metrics_page_passes_axe_and_reflows(new_page: Callable[..., Page]) -> None:
    scene = loop_scene()
    page = new_page(scene.dr_one)

    page.goto(f"/referrals/metrics/{FIRST_HALF}")

    expect(page.get_by_role("heading", level=1)).to_have_text("How my referrals are doing")
    assert_accessible(page)
    assert_reflows_at_320_px(page)


def outcome_path() -> str:
    invite = patient_outcomes.outcome_invite_create(referral=ReferralFactory.create())
    return f"/outcome/{invite.token}/"


def test_the_outcome_page_passes_axe_and_reflows_in_every_state(page: Page) -> None:
    path = outcome_path()
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("How is your back?")
    assert_accessible(page)

    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)
    assert_reflows_at_320_px(page)

    page.get_by_label("3", exact=True).check()
    page.get_by_label("Better", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_accessible(page)

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    assert_accessible(page)
    assert_reflows_at_320_px(page)


def test_a_patient_can_answer_with_the_keyboard_alone(page: Page) -> None:
    page.goto(outcome_path())
    page.get_by_label("7", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_label("Much better").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send my answers").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")


def test_a_spanish_speaking_patient_answers_the_outcome_page_in_spanish(page: Page) -> None:
    page.goto("/es" + outcome_path())
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Cómo está su espalda?")

    page.get_by_role("button", name="Enviar mis respuestas").click()
    expect(page.locator("#error-summary")).to_contain_text("Conteste las dos preguntas")
    assert_accessible(page)

    page.get_by_label("3", exact=True).check()
    page.get_by_label("Mejor", exact=True).check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias")
    assert_accessible(page)
