"""A clerk works referrals from each referral's own admin page, in the practice's time zone:
accepts, books, records visits and declines, in a real browser (docs/workflow.md)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from referrals.models import Appointment, Referral
from tests.referrals.factories import PatientFactory, ReferralFactory, chicago_office

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")


def chicago_clerk_and_two_referrals() -> tuple[Any, Referral, Referral]:
    """A Chicago practice's clerk and two pending referrals (Okafor, Nguyen)."""
    practice, location, clerk = chicago_office()
    first, second = (
        ReferralFactory.create(
            practice=practice, practice_location=location, patient=PatientFactory.create(last_name=name)
        )
        for name in ("Okafor", "Nguyen")
    )
    return clerk, first, second


def open_referral(page: Page, referral: Referral) -> None:
    page.goto(f"/admin/referrals/referral/{referral.pk}/change/")


def press(page: Page, button: str) -> None:
    """Open the page's action ``button`` and confirm its form with the same words."""
    page.get_by_role("link", name=button, exact=True).click()


def test_a_clerk_accepts_books_records_and_declines_from_the_referral_page_in_chicago_time(
    new_page: Callable[..., Page],
) -> None:
    clerk, referral, other = chicago_clerk_and_two_referrals()
    page = new_page(clerk)

    open_referral(page, referral)
    expect(page.get_by_role("link", name="Book a visit")).to_have_count(0)
    press(page, "Accept")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".messagelist")).to_contain_text("accepted")

    press(page, "Book a visit")
    expect(page.get_by_text("America/Chicago").first).to_be_visible()
    page.get_by_label("Visit").select_option(label="Consultation")
    page.get_by_label("Starts at (CST)").fill("2030-01-15T10:00")
    page.get_by_role("button", name="Book a visit").click()
    expect(page.locator(".messagelist")).to_contain_text("visit saved")
    expect(page.locator("#appointments-group")).to_contain_text("Tue 15 Jan 2030, 10:00 CST")
    expect(page.get_by_text(re.compile("ahead of server time|behind server time"))).to_have_count(0)
    assert Appointment.objects.get(referral=referral).starts_at == datetime.datetime(
        2030, 1, 15, 16, 0, tzinfo=datetime.UTC
    )

    # Yesterday's consult is only taken as a visit that happened, with how it went.
    yesterday = (timezone.now() - datetime.timedelta(days=1)).astimezone(CHICAGO)
    press(page, "Book a visit")
    page.get_by_label("Visit").select_option(label="Follow-up")
    page.get_by_label("Starts at (CST)").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Book a visit").click()
    expect(page.locator(".errorlist")).to_contain_text("That time has passed")
    page.get_by_label("If it already happened").select_option(label="Did not attend")
    page.get_by_role("button", name="Book a visit").click()
    expect(page.locator(".messagelist")).to_contain_text("visit saved")

    press(page, "Record a visit")
    page.get_by_label("What happened").select_option(label="Fulfilled")
    page.get_by_label("Pain score (0-10)").fill("3")
    page.get_by_role("button", name="Record a visit").click()
    expect(page.locator(".messagelist")).to_contain_text("visit recorded")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TREATMENT

    open_referral(page, other)
    press(page, "Decline")
    page.get_by_label("Reason").select_option(index=1)
    page.get_by_label("Comment").fill("Our only IR is away this month.")
    page.get_by_role("button", name="Decline").click()
    expect(page.locator(".messagelist")).to_contain_text("declined and sent on")
    assert other.events.filter(comment="Our only IR is away this month.").exists()
