"""In a real browser, on the demo data `make run` loads: a Chicago referral reaches an enrolled
office, whose staff login then finds it in the admin (docs/workflow.md, "Routing")."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.test_referral_journeys import REFERRAL_URL, fill_referral_form, status_heading

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def demo_data(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", providers=600, stdout=StringIO())


def test_a_chicago_referral_lands_with_an_enrolled_office_whose_staff_sees_it_in_the_admin(
    page: Page, sign_in: Callable[[Any], None], new_page: Callable[..., Page]
) -> None:
    users = get_user_model().objects
    sign_in(users.get(username="dr.adams"))
    page.goto("/referrals/new/")
    fill_referral_form(page, yes=("leg_weakness",))
    page.get_by_label("ZIP code").fill("60626")
    page.get_by_role("button", name="Send the referral").click()

    expect(page).to_have_url(REFERRAL_URL)
    expect(status_heading(page)).to_have_text("Status: Awaiting the practice")
    where = page.locator("section", has_text="Where it went")
    expect(where).to_contain_text(re.compile(r"With Lakeside "))
    reference = page.url.rstrip("/").rsplit("/", 1)[-1][:8]

    office = new_page(users.get(username="staff.lakeside"))
    office.goto("/admin/referrals/referral/")
    row = office.locator("#result_list tbody tr", has_text=reference)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Awaiting the practice")
