"""Response headers and markup that keep pages safe: the CSP, no inline code, no caching of patient data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from triage.rules import ANSWER_KEYS

pytestmark = pytest.mark.django_db

# A <script> element that carries code instead of loading a file; JSON data blocks are fine.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.I)


def policy(response: Any) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    parts = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def self_check_with_a_missing_answer() -> dict[str, str]:
    return {"age": "45", "pain_duration_weeks": "2"} | {key: "no" for key in ANSWER_KEYS[1:]}


def test_pages_allow_only_our_own_scripts_and_styles(client: Client) -> None:
    csp = policy(client.get("/"))

    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]


def test_map_tiles_from_the_configured_tile_server_are_allowed(client: Client, settings: Any) -> None:
    assert settings.MAP_TILE_URL.startswith("https://tile.openstreetmap.org/")

    assert "https://tile.openstreetmap.org" in policy(client.get("/find/"))["img-src"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/", None),
        ("get", "/find/", None),
        ("get", "/find/", {"near": "80202"}),
        ("get", "/find/", {"near": "nowhere-at-all"}),
        ("get", "/check/", None),
        ("post", "/check/", self_check_with_a_missing_answer()),
        ("get", "/accounts/login/", None),
        ("get", "/admin/login/", None),
    ],
)
def test_public_pages_hold_no_inline_scripts_or_style_attributes(
    client: Client, provider: Any, method: str, path: str, data: dict[str, str] | None
) -> None:
    html = getattr(client, method)(path, data).content.decode()

    assert INLINE_SCRIPT.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []


def test_a_provider_profile_holds_no_inline_scripts_or_style_attributes(
    client: Client, provider: Any
) -> None:
    response = client.get(f"/find/{provider.npi}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert INLINE_SCRIPT.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []


def test_the_finder_hands_map_data_over_as_json_not_code(client: Client, provider: Any) -> None:
    html = client.get("/find/", {"near": "80202"}).content.decode()

    assert '<script id="map-points" type="application/json">' in html


@pytest.mark.parametrize("path", ["/admin/", "/admin/auth/user/", "/admin/auth/user/add/"])
def test_admin_pages_hold_no_inline_scripts(client: Client, superuser: Any, path: str) -> None:
    client.force_login(superuser)
    response = client.get(path)

    assert response.status_code == 200
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


def test_api_docs_load_their_start_up_code_from_a_file(client: Client) -> None:
    html = client.get("/api/v1/docs/").content.decode()
    script = client.get("/api/v1/docs/?script=")

    assert INLINE_SCRIPT.findall(html) == []
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert "'unsafe-inline'" not in policy(script)["script-src"]


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/accounts/login/", "/check/"])
def test_pages_that_may_show_patient_data_are_never_cached(
    client: Client, office_staff: Any, path: str
) -> None:
    client.force_login(office_staff)

    assert "no-store" in client.get(path)["Cache-Control"]


def test_a_referral_page_is_never_cached_even_when_missing(client: Client, clinician: Any) -> None:
    client.force_login(clinician)

    assert "no-store" in client.get("/referrals/no-such-page/")["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/v1/referrals/", "/api/v1/triage/assessments/"])
def test_api_responses_with_patient_data_are_never_cached(client: Client, clinician: Any, path: str) -> None:
    client.force_login(clinician)

    assert "no-store" in client.get(path)["Cache-Control"]


def test_the_public_directory_may_be_cached(client: Client, provider: Any) -> None:
    assert "no-store" not in client.get("/find/", {"near": "80202"}).get("Cache-Control", "")
