"""A clinician makes an API token in the browser, uses it over HTTP, sees its use and revokes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Playwright, expect

from tests.e2e.scenes import clinician
from tests.e2e.test_accessibility import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def list_referrals_with(token: str, driver: Playwright, live_server: Any) -> int:
    """The status of ``GET /api/v1/referrals/`` sent over HTTP with ``token`` and no cookie."""
    client = driver.request.new_context(base_url=live_server.url)
    try:
        return client.get("/api/v1/referrals/", headers={"Authorization": f"Token {token}"}).status
    finally:
        client.dispose()


def test_a_clinician_creates_a_token_sees_it_once_sees_its_use_and_revokes_it(
    page: Page, sign_in: Callable[[Any], None], playwright_driver: Playwright, live_server: Any
) -> None:
    sign_in(clinician())
    page.goto("/referrals/")
    page.get_by_role("link", name="API token").click()
    expect(page.get_by_role("main")).to_contain_text("You have no API token.")

    page.get_by_role("button", name="Create a token").click()
    key = page.get_by_role("textbox", name="Token").input_value()
    assert len(key) == 40
    expect(page.get_by_role("main")).to_contain_text("shown only this once")
    assert_accessible(page)
    assert list_referrals_with(key, playwright_driver, live_server) == 200

    page.goto("/referrals/api-token/")
    assert key not in page.content()
    state = page.locator("dl.token-state")
    expect(state).not_to_contain_text("Never")
    expect(state).to_contain_text("Expires")
    expect(state).to_contain_text("unless it is used before then")

    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_role("status")).to_contain_text("Your API token is revoked")
    expect(page.get_by_role("main")).to_contain_text("You have no API token.")
    assert list_referrals_with(key, playwright_driver, live_server) in (401, 403)
