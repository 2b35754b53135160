"""Hostile or broken requests to the API get a JSON error with a 4xx status, and a crash a JSON 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.referrals.factories import UserFactory
from tests.triage.factories import answers_with

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000  # about 2 KB


def post_json(client: Client, path: str, body: str | bytes) -> Any:
    return client.post(path, body, content_type="application/json")


def test_json_nested_a_thousand_deep_is_a_400_on_the_anonymous_self_check() -> None:
    response = post_json(Client(), "/api/v1/triage/assessments/", DEEP)

    assert response.status_code == 400
    assert "nests deeper than 32 levels" in response.json()["detail"]


def test_json_nested_deeper_than_the_limit_but_parseable_is_a_400() -> None:
    body = '{"age": ' + "[" * 200 + "]" * 200 + "}"

    response = post_json(Client(), "/api/v1/triage/assessments/", body)

    assert response.status_code == 400
    assert "nests deeper" in response.json()["detail"]


def test_json_nested_a_thousand_deep_is_a_400_on_referral_submission() -> None:
    client = Client()
    client.force_login(UserFactory.create())

    response = client.post(
        "/api/v1/referrals/", DEEP, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert response.status_code == 400
    assert "nests deeper" in response.json()["detail"]


def test_a_ten_megabyte_body_is_a_413_with_a_json_answer() -> None:
    body = b'{"age": "' + b"x" * (10 * 1024 * 1024) + b'"}'

    response = post_json(Client(), "/api/v1/triage/assessments/", body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("The request body is too large")


def test_an_unknown_api_address_is_a_json_404() -> None:
    response = Client().get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_crash_inside_the_api_is_a_json_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("triage.apis.assessment_create", broken)
    client = Client(raise_request_exception=False)
    body = json.dumps({"age": 54, "pain_duration_weeks": 3, "answers": answers_with()})
    response = post_json(client, "/api/v1/triage/assessments/", body)

    assert response.status_code == 500
    assert response.json()["detail"].startswith("The server failed to answer")


def test_a_page_outside_the_api_keeps_its_html_404() -> None:
    response = Client().get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
