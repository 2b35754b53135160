"""A referral in a real browser: the clinician sends it, the IR office works it in the admin, the
clinician follows every step."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from tests.e2e.scenes import ESI, PATIENT_ZIP, clinician, denver_offices, office_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REFERRAL_URL = re.compile(r"/referrals/[0-9a-f-]{36}/$")


def fill_referral_form(page: Page, *, yes: tuple[str, ...]) -> None:
    """The clinician's answers for Maria Lopez: the questions named in ``yes`` answered Yes."""
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("Date of birth").fill("1970-05-17")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone").fill("555-0123")
    page.get_by_label("ZIP code").fill(PATIENT_ZIP)
    page.get_by_label("How many weeks has the back pain lasted?").fill("8")
    for radio in page.locator("input[type=radio][value=no]").all():
        name = radio.get_attribute("name")
        page.locator(f"input[type=radio][name={name}][value={'yes' if name in yes else 'no'}]").check()
    page.get_by_label("Requested procedure").select_option(ESI)
    page.get_by_label("Clinical question").fill(
        "Radicular pain for 8 weeks despite PT; is an epidural appropriate?"
    )
    page.get_by_label("Pain score today (0-10)").fill("7")


def status_heading(page: Page) -> Locator:
    return page.get_by_role("heading", name=re.compile("^Status: "))


def run_admin_action(page: Page, action_label: str) -> None:
    """Tick the only referral in the office's list and run one of the admin's actions on it."""
    page.goto("/admin/referrals/referral/")
    page.locator("input.action-select").first.check()
    page.get_by_label("Action:").select_option(label=action_label)
    page.get_by_role("button", name="Go", exact=True).click()


def book_visit(page: Page, *, kind: str, starts_at: datetime.datetime, outcome: str = "") -> None:
    """Add a visit row on the referral's admin page and save it (a past one with its ``outcome``)."""
    page.get_by_role("button", name="Add another Appointment").click()
    row = page.locator(".dynamic-appointments").last
    # The offices are in Denver: the page takes times in Denver's zone.
    local = timezone.localtime(starts_at, ZoneInfo("America/Denver"))
    row.locator("select[name$=-kind]").select_option(label=kind)
    row.locator("input[name$=-starts_at]").fill(local.strftime("%Y-%m-%dT%H:%M"))
    if outcome:
        row.locator("select[name$=-status]").select_option(label=outcome)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist .error, .errornote")).to_have_count(0)


def test_a_referral_goes_from_the_clinician_through_the_office_and_back(
    page: Page, sign_in: Callable[[Any], None], new_page: Callable[..., Page]
) -> None:
    offices = denver_offices()
    doctor = clinician()
    staff = office_staff(offices["lakeside"], username="staff.lakeside")

    # The clinician refers a patient with leg weakness (urgent) from the page form.
    sign_in(doctor)
    page.goto("/referrals/")
    page.get_by_role("link", name="Refer a patient").click()
    fill_referral_form(page, yes=("leg_weakness",))
    page.get_by_role("button", name="Send the referral").click()

    expect(page).to_have_url(REFERRAL_URL)
    assert "Lopez" not in page.url and "1970" not in page.url
    expect(status_heading(page)).to_have_text("Status: Awaiting the practice")
    expect(page.locator("section", has_text="Where it went")).to_contain_text("Lakeside Spine and Vascular")
    referral_url = page.url

    # The office accepts it, records the consult an hour ago that the patient did not come
    # to, and books a follow-up.
    office = new_page(staff)
    run_admin_action(office, "Accept selected referrals")
    expect(office.locator(".messagelist")).to_contain_text("1 referral(s) accepted.")
    office.locator("th.field-reference a").first.click()
    book_visit(
        office,
        kind="Consultation",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        outcome="Did not attend",
    )
    book_visit(office, kind="Follow-up", starts_at=timezone.now() + datetime.timedelta(days=14))
    expect(office.locator("#appointments-group tr.has_original")).to_have_count(2)

    # Back on the clinician's page: every step is there.
    page.goto(referral_url)
    expect(status_heading(page)).to_have_text("Status: Scheduled")
    visits = page.locator("section", has_text="Appointments").locator("tbody tr")
    expect(visits).to_have_count(2)
    expect(visits.filter(has_text="Consultation")).to_contain_text("Did not attend")
    expect(visits.filter(has_text="Follow-up")).to_contain_text("Booked")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("staff.lakeside")
    page.get_by_role("link", name="All my referrals").click()
    expect(page.locator("table.referrals tbody tr")).to_contain_text("Scheduled")


def test_an_emergency_screening_tells_the_clinician_to_send_the_patient_to_emergency_care(
    page: Page, sign_in: Callable[[Any], None]
) -> None:
    denver_offices()
    sign_in(clinician())
    page.goto("/referrals/new/")
    fill_referral_form(page, yes=("saddle_numbness",))
    page.get_by_role("button", name="Send the referral").click()

    expect(page).to_have_url(REFERRAL_URL)
    first = page.locator("main > *").first
    expect(first).to_have_attribute("role", "alert")
    expect(first).to_contain_text("Send this patient to emergency care now")
    expect(status_heading(page)).to_have_text("Status: Sent to emergency care")
    expect(page.get_by_role("heading", name="Where it went")).to_have_count(0)


def test_the_login_form_signs_a_clinician_in_to_their_referrals(page: Page) -> None:
    doctor = clinician()
    doctor.set_password("correct horse battery staple")
    doctor.save()

    page.goto("/referrals/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/referrals/"))
    page.get_by_label("Username").fill("dr.adams")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")

    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/referrals/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My referrals")
    expect(page.get_by_role("button", name="Log out dr.adams")).to_be_visible()
