"""axe-core finds no WCAG 2.1 A/AA violation on the admin pages the project customises, and the
office's referral list shows its deadline and next-visit columns whole at 1280 px and stays
usable at 390 px."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from referrals.models import Appointment, FollowUp, Referral
from tests.e2e.conftest import axe_violations, describe_violations
from tests.referrals.factories import (
    AppointmentFactory,
    PatientFactory,
    ReferralFactory,
    UserFactory,
    chicago_office,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def worked_office() -> tuple[Any, Referral]:
    """A Chicago clerk and a referral with a timeline, visits and follow-ups (one overdue)."""
    practice, location, clerk = chicago_office()
    referral = ReferralFactory.create(
        practice=practice,
        practice_location=location,
        status=Referral.Status.IN_TREATMENT,
        patient=PatientFactory.create(last_name="Okafor"),
    )
    ReferralFactory.create(practice=practice, practice_location=location)
    done = AppointmentFactory.create(
        referral=referral,
        location=location,
        status=Appointment.Status.FULFILLED,
        starts_at=timezone.now() - datetime.timedelta(days=30),
    )
    AppointmentFactory.create(referral=referral, location=location, kind=Appointment.Kind.FOLLOW_UP)
    today = timezone.localdate()
    for days in (-9, 20):
        FollowUp.objects.create(
            referral=referral, source_appointment=done, due_on=today + datetime.timedelta(days=days)
        )
    referral.events.create(kind="accepted", from_status="pending", to_status="accepted", practice=practice)
    return clerk, referral


ADMIN_PAGES: dict[str, tuple[str, str]] = {
    # name: (path, with {pk} for the referral, text the page must show)
    "referral list": ("/admin/referrals/referral/", "Select referral to change"),
    "referral page": ("/admin/referrals/referral/{pk}/change/", "What you can do now"),
    "book a visit": ("/admin/referrals/referral/{pk}/act/schedule/", "Starts at"),
    "record a visit": ("/admin/referrals/referral/{pk}/act/record_visit/", "What happened"),
    "follow-ups due": ("/admin/referrals/followup/", "Follow-ups due"),
    "practice locations": ("/admin/directory/practicelocation/", "practice location"),
    "practice location": ("/admin/directory/practicelocation/{location}/change/", "Time zone"),
    "referral metrics": ("/admin/referrals/loopmetrics/", "Referral metrics"),
    "admin home": ("/admin/", "Site administration"),
}


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page, preload=False)
    assert not violations, "\n" + describe_violations(violations)


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_office_admin_page_has_no_wcag_violations(new_page: Callable[..., Page], name: str) -> None:
    clerk, referral = worked_office()
    page = new_page(clerk)
    path, shows = ADMIN_PAGES[name]

    page.goto(path.format(pk=referral.pk, location=referral.practice_location_id))

    expect(page.locator("#content")).to_contain_text(shows, ignore_case=True)
    assert_accessible(page)


def test_the_bulk_decline_form_has_no_wcag_violations(new_page: Callable[..., Page]) -> None:
    clerk, _ = worked_office()
    page = new_page(clerk)
    page.goto("/admin/referrals/referral/")
    page.locator("input.action-select").first.check()
    page.get_by_label("Action:").select_option(label="Decline selected referrals (with a reason)…")
    page.get_by_role("button", name="Go", exact=True).click()

    expect(page.get_by_role("button", name="Decline")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("who", ["clerk", "superuser"])
def test_the_referral_list_shows_its_deadline_and_next_visit_whole_at_1280_and_fits_390(
    new_page: Callable[..., Page], who: str
) -> None:
    clerk, _ = worked_office()
    # A superuser's list has one more column: the practice holding each referral.
    superuser = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    page = new_page(clerk if who == "clerk" else superuser)
    page.goto("/admin/referrals/referral/")

    for column in ("td.field-deadline", "td.field-next_appointment"):
        cell = page.locator(column).first
        clipped = cell.evaluate("(el) => el.scrollWidth > el.clientWidth + 1")
        box = cell.bounding_box()
        assert not clipped and box is not None and box["x"] + box["width"] <= 1280, column

    results = page.locator(".results")
    assert results.evaluate("(el) => el.scrollWidth <= el.clientWidth"), (
        "the list scrolls sideways at 1280 px"
    )

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the list is {width} px wide at 390 px"
    expect(page.locator("#result_list").get_by_text("Okafor")).to_be_visible()
