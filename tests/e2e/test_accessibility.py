"""axe-core finds no WCAG 2.1 A/AA violation on any public or clinician page, in every state shown."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from directory.models import Procedure
from referrals import services
from referrals.tokens import api_token_create
from tests.e2e.conftest import axe_violations, describe_violations
from tests.e2e.scenes import ESI, PATIENT_ZIP, clinician, denver_offices
from tests.triage.factories import AssessmentFactory, answers_with

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "\n" + describe_violations(violations)


# An age and the questions answered yes that lead to each disposition.
DISPOSITION_ANSWERS: dict[str, tuple[int, tuple[str, ...]]] = {
    "emergency": (50, ("saddle_numbness",)),
    "urgent": (50, ("leg_weakness",)),
    "soon": (50, ("leg_numbness_tingling",)),
    "self_care": (30, ()),
}

PUBLIC_PAGES: dict[str, tuple[str, str]] = {
    # name: (path, text the page must show, so we know axe looked at the right state)
    "home": ("/", "what helps"),
    "find": ("/find/", "Find an interventional radiologist near you"),
    "find with results": (f"/find/?near={PATIENT_ZIP}&radius=25", "interventional radiologists within"),
    "find with errors": ("/find/?near=00000&radius=900", "There is a problem with your search"),
    "check": ("/check/", "Check your back pain symptoms"),
    "login": ("/accounts/login/", "log in"),
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_no_wcag_violations(page: Page, name: str) -> None:
    denver_offices()
    path, shows = PUBLIC_PAGES[name]
    page.goto(path)
    expect(page.locator("main")).to_contain_text(shows, ignore_case=True)
    assert_accessible(page)


def test_provider_profile_has_no_wcag_violations(page: Page) -> None:
    provider = denver_offices()["summit"].provider
    page.goto(f"/find/{provider.npi}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(provider.display_name)
    assert_accessible(page)


def test_self_check_with_errors_has_no_wcag_violations(page: Page) -> None:
    page.goto("/check/")
    page.get_by_label("How old are you?").fill("12")
    page.get_by_role("button", name="See what to do").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("disposition", DISPOSITION_ANSWERS)
def test_self_check_result_page_has_no_wcag_violations(page: Page, disposition: str) -> None:
    age, yes = DISPOSITION_ANSWERS[disposition]
    assessment = AssessmentFactory.create(age=age, answers=answers_with(*yes))
    assert assessment.disposition == disposition
    page.goto(f"/check/result/{assessment.public_id}/")
    expect(page.locator(f".result-{disposition}")).to_be_visible()
    # The answers table is folded away by default; axe checks it open too.
    page.get_by_text("All your answers").click()
    assert_accessible(page)


def submitted_referral(by: Any, *, yes: tuple[str, ...]) -> Any:
    """A referral sent through the same service the form uses, routed as it would be."""
    return services.referral_submit(
        clinician=by,
        patient_data={
            "first_name": "Maria",
            "last_name": "Lopez",
            "birth_date": datetime.date(1970, 5, 17),
            "sex": "female",
            "phone": "555-0123",
            "email": "",
            "postal_code": PATIENT_ZIP,
        },
        triage_data={"pain_duration_weeks": 8, "answers": answers_with(*yes)},
        requested_procedure=Procedure.objects.get(slug=ESI),
        suspected_condition=None,
        clinical_question="Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
        pain_score=7,
        imaging_summary="MRI: L4-L5 disc protrusion contacting the left L5 root.",
        idempotency_key=str(uuid.uuid4()),
        fingerprint="f" * 64,
    ).referral


def token_page_with_a_token(doctor: Any) -> str:
    api_token_create(user=doctor)
    return "/referrals/api-token/"


CLINICIAN_PAGES: dict[str, tuple[Callable[[Any], str], str]] = {
    "referral list": (lambda doctor: "/referrals/", "My referrals"),
    "referral form": (lambda doctor: "/referrals/new/", "Refer a patient"),
    "routed referral": (
        lambda doctor: f"/referrals/{submitted_referral(doctor, yes=('leg_weakness',)).public_id}/",
        "Where it went",
    ),
    "emergency referral": (
        lambda doctor: f"/referrals/{submitted_referral(doctor, yes=('saddle_numbness',)).public_id}/",
        "Send this patient to emergency care now",
    ),
    "API token": (lambda doctor: token_page_with_a_token(doctor), "Expires"),
}


@pytest.mark.parametrize("name", CLINICIAN_PAGES)
def test_clinician_page_has_no_wcag_violations(page: Page, sign_in: Callable[[Any], None], name: str) -> None:
    denver_offices()
    doctor = clinician()
    path_for, shows = CLINICIAN_PAGES[name]
    path = path_for(doctor)
    submitted_referral(doctor, yes=())
    sign_in(doctor)
    page.goto(path)
    expect(page.locator("main")).to_contain_text(shows)
    assert_accessible(page)


def test_referral_form_with_errors_has_no_wcag_violations(page: Page, sign_in: Callable[[Any], None]) -> None:
    sign_in(clinician())
    page.goto("/referrals/new/")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page)
