"""The clinician's referral form in a real browser: nothing is chosen for the clinician, and every
hint names the format its input takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from referrals.models import Patient, Referral
from tests.e2e.scenes import clinician, denver_offices
from tests.e2e.test_referral_journeys import REFERRAL_URL, fill_referral_form

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_patient_whose_sex_was_left_untouched_is_not_saved_as_female(
    page: Page, sign_in: Callable[[Any], None]
) -> None:
    denver_offices()
    sign_in(clinician())
    page.goto("/referrals/new/")
    expect(page.get_by_label("Sex")).to_have_value("")

    fill_referral_form(page, yes=())
    page.get_by_label("Sex").select_option("")
    page.get_by_role("button", name="Send the referral").click()

    expect(page.get_by_role("alert")).to_contain_text("Sex: Choose the patient's sex")
    assert not Referral.objects.exists()
    page.get_by_label("Sex").select_option(label="Male")
    page.get_by_role("button", name="Send the referral").click()
    expect(page).to_have_url(REFERRAL_URL)
    assert Patient.objects.get().sex == "male"


def test_the_date_of_birth_is_typed_in_the_format_its_hint_names(
    page: Page, sign_in: Callable[[Any], None]
) -> None:
    denver_offices()
    sign_in(clinician())
    page.goto("/referrals/new/")
    birth_date = page.get_by_label("Date of birth")
    # The hint is the input's description, so a screen reader names the format with the field.
    expect(birth_date).to_have_accessible_description("Year-month-day, YYYY-MM-DD: for example 1970-05-17.")
    # A text input shows what is typed as typed, where a date picker would show mm/dd/yyyy.
    expect(birth_date).to_have_attribute("type", "text")

    fill_referral_form(page, yes=())
    birth_date.fill("05/17/1970")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_role("alert")).to_contain_text("Date of birth: Give the birth date as YYYY-MM-DD")

    page.get_by_label("Date of birth").fill("1970-05-17")
    page.get_by_role("button", name="Send the referral").click()
    expect(page).to_have_url(REFERRAL_URL)
    assert str(Patient.objects.get().birth_date) == "1970-05-17"
