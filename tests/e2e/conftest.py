"""A real browser against the live test server: the system Chromium, driven by Playwright.

Every test gets a fresh browser context that may only talk to the live server (map tiles are
answered locally, anything else is refused and fails the test), and leaves a full-page
screenshot under ``test-output/e2e/``. Signed-in tests copy a session cookie into the
browser instead of typing a password.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    sync_playwright,
)

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
AXE_SOURCE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Map tiles are served by the test itself, from the page's own origin: nothing leaves the machine.
TILE_PATH = "/e2e-map-tiles/"
# A 1x1 transparent PNG.
BLANK_TILE = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
DEFAULT_TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright for the browser tests only: it ends, and Django's guard returns, when they do."""
    if CHROMIUM is None:
        pytest.skip("the browser tests need the system Chromium: apt-get install -y chromium")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop in the test thread; Django's ORM refuses to
        # run beside one unless told it is safe (it is: the loop only drives the browser).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One headless system Chromium for all the browser tests (one per test would triple the time)."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _local_map_tiles(settings: Any) -> None:
    settings.MAP_TILE_URL = TILE_PATH + "{z}/{x}/{y}.png"


class PageProblems:
    """What went wrong in the page while a test drove it: script errors, policy refusals, escapes."""

    def __init__(self) -> None:
        self.script_errors: list[str] = []
        self.policy_refusals: list[str] = []
        self.outside_requests: list[str] = []

    def all(self) -> list[str]:
        return self.script_errors + self.policy_refusals + self.outside_requests


def _screenshot_name(nodeid: str, index: int) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_")
    return f"{name}.png" if index == 0 else f"{name}-{index + 1}.png"


def _session_cookie(user: Any, url: str) -> dict[str, Any]:
    """A cookie for a session made on the server, as if ``user`` had just logged in."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


@pytest.fixture
def new_page(
    browser: Browser, live_server: Any, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Open a page in a browser context of its own, signed in as ``user`` if one is given.

    Each page may reach the live server only and is checked for script errors and Content
    Security Policy refusals when the test ends, after its screenshot is saved.
    """
    server = urlsplit(live_server.url).netloc
    opened: list[tuple[BrowserContext, Page, PageProblems]] = []

    def _new_page(user: Any = None) -> Page:
        problems = PageProblems()

        def only_the_live_server(route: Route) -> None:
            url = urlsplit(route.request.url)
            if url.scheme in {"data", "blob"} or url.netloc == server:
                if url.path.startswith(TILE_PATH):
                    route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
                else:
                    route.continue_()
                return
            problems.outside_requests.append(f"request outside the test server: {route.request.url}")
            route.abort()

        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.route("**/*", only_the_live_server)
        if user is not None:
            context.add_cookies([_session_cookie(user, live_server.url)])  # type: ignore[list-item]
        page = context.new_page()
        page.on("pageerror", lambda error: problems.script_errors.append(f"script error: {error}"))
        page.on("console", lambda message: _note_policy_refusal(message, problems))
        opened.append((context, page, problems))
        return page

    yield _new_page
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for index, (context, page, _) in enumerate(opened):
        page.screenshot(path=OUTPUT_DIR / _screenshot_name(request.node.nodeid, index), full_page=True)
        context.close()
    problems_seen = [problem for *_, problems in opened for problem in problems.all()]
    assert not problems_seen, problems_seen


def _note_policy_refusal(message: ConsoleMessage, problems: PageProblems) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        problems.policy_refusals.append(f"refused by the page's policy: {message.text}")


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """An anonymous visitor's page."""
    return new_page()


@pytest.fixture
def sign_in(page: Page, live_server: Any) -> Callable[[Any], None]:
    """Sign ``page``'s browser in as a user by handing it a server-made session (no password typed)."""

    def _sign_in(user: Any) -> None:
        page.context.add_cookies([_session_cookie(user, live_server.url)])  # type: ignore[list-item]

    return _sign_in


def axe_violations(page: Page, *, preload: bool = True) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it stands (bundled axe, injected here).

    ``preload=False`` keeps axe from copying imported stylesheets into inline ``<style>``
    elements, which the Content Security Policy refuses (the admin's forms.css imports
    widgets.css); only its check of CSS orientation locks reads them.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate(
        "async ([tags, preload]) => "
        "(await axe.run(document, {runOnly: {type: 'tag', values: tags}, preload})).violations",
        [WCAG_21_AA, preload],
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per violation and offending element, readable in a failing test's output."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']} {node['html'][:160]}")
    return "\n".join(lines)
