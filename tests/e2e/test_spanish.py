"""A Spanish-speaking patient in a real browser: Spanish pages, the same answers, the emergency first."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.scenes import PATIENT_ZIP, denver_offices

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 640},
    "desktop": {"width": 1280, "height": 900},
}


def answer_in_spanish(page: Page, *, age: int, weeks: int, yes: tuple[str, ...] = ()) -> None:
    """Fill the Spanish self-check: the questions whose ids are in ``yes`` answered Sí, all others No."""
    page.get_by_label("¿Cuántos años tiene?").fill(str(age))
    page.get_by_label("¿Cuántas semanas lleva con dolor de espalda?").fill(str(weeks))
    for radio in page.locator("input[type=radio][value=no]").all():
        name = radio.get_attribute("name")
        page.locator(f"input[type=radio][name={name}][value={'yes' if name in yes else 'no'}]").check()


def test_a_browser_that_prefers_spanish_finds_an_ir_in_spanish_and_can_switch_to_english(page: Page) -> None:
    denver_offices()
    page.set_extra_http_headers({"Accept-Language": "es-US,es;q=0.9"})

    page.goto("/find/")
    expect(page).to_have_url(re.compile(r"/es/find/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Cerca de").fill(PATIENT_ZIP)
    page.get_by_role("button", name="Buscar", exact=True).click()

    expect(page.get_by_role("heading", level=2)).to_contain_text(
        "2 radiólogos intervencionistas a menos de 25 millas"
    )
    expect(page.locator("ol.results > li").first).to_contain_text("Acepta pacientes nuevos")
    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(re.compile(rf"/find/\?near={PATIENT_ZIP}&"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2)).to_contain_text(
        "2 interventional radiologists within 25 miles"
    )


@pytest.mark.parametrize("screen", SCREENS)
def test_the_spanish_emergency_result_shows_go_to_the_emergency_department_first(
    page: Page, screen: str
) -> None:
    page.set_viewport_size(SCREENS[screen])
    page.goto("/es/check/")

    answer_in_spanish(page, age=52, weeks=1, yes=("saddle_numbness",))
    page.get_by_role("button", name="Ver qué hacer").click()

    expect(page).to_have_url(re.compile(r"/es/check/result/[0-9a-f-]{36}/$"))
    first = page.locator("main .triage > *").first
    expect(first).to_have_class(re.compile("alert-emergency"))
    heading = first.get_by_role("heading", level=1)
    expect(heading).to_have_text("Vaya a urgencias ahora, o llame al 911.")
    expect(heading).to_be_in_viewport()
    # Nothing in the page's content sits above the emergency message.
    main_top = page.locator("main").bounding_box()
    box = first.bounding_box()
    assert main_top is not None and box is not None
    assert box["y"] - main_top["y"] < 40


def test_switching_to_english_half_way_through_the_check_keeps_the_answers(page: Page) -> None:
    page.goto("/es/check/")
    page.get_by_label("¿Cuántos años tiene?").fill("63")
    page.locator("input[name=fever][value=yes]").check()
    page.locator("input[name=cancer_history][value=no]").check()

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("How old are you?")).to_have_value("63")
    expect(page.locator("input[name=fever][value=yes]")).to_be_checked()
    expect(page.locator("input[name=cancer_history][value=no]")).to_be_checked()
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.locator("input[name=saddle_numbness][value=yes]")).not_to_be_checked()
