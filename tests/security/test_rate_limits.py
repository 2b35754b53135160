"""Public endpoints answer 429 once one address calls them too often; signed-in work is not limited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.triage.factories import answers_with
from triage.rules import ANSWER_KEYS

pytestmark = pytest.mark.django_db

SELF_CHECK_BODY = {"age": 54, "pain_duration_weeks": 3, "answers": answers_with()}
SELF_CHECK_FORM = {"age": "54", "pain_duration_weeks": "3"} | {key: "no" for key in ANSWER_KEYS}


@pytest.fixture(autouse=True)
def small_rates(settings: Any) -> None:
    settings.PUBLIC_RATE_LIMITS = {"search": "3/m", "self_check": "2/m", "listing_report": "1/h"}


def statuses(calls: int, call: Any) -> list[int]:
    return [call().status_code for _ in range(calls)]


def test_the_search_api_answers_429_in_json_past_its_rate(client: Client, provider: Any) -> None:
    codes = statuses(4, lambda: client.get("/api/v1/providers/", {"near": "80202"}))
    response = client.get("/api/v1/providers/", {"near": "80202"})

    assert codes == [200, 200, 200, 429]
    assert response.json() == {
        "detail": "Too many requests from your address. Please wait a minute and try again."
    }
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_finder_page_answers_429_with_a_page_past_its_rate(client: Client, provider: Any) -> None:
    codes = statuses(4, lambda: client.get("/find/", {"near": "80202"}))
    response = client.get("/find/", {"near": "80202"})

    assert codes == [200, 200, 200, 429]
    assert "Please slow down" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_the_finder_and_the_search_api_share_one_budget(client: Client, provider: Any) -> None:
    statuses(3, lambda: client.get("/find/", {"near": "80202"}))

    assert client.get("/api/v1/providers/", {"near": "80202"}).status_code == 429


def test_the_fhir_near_searches_share_the_search_budget_and_answer_an_operation_outcome(
    client: Client, provider: Any
) -> None:
    near = "39.75|-104.99|25|mi"
    statuses(2, lambda: client.get("/api/v1/providers/", {"near": "80202"}))
    codes = statuses(2, lambda: client.get("/fhir/PractitionerRole", {"location.near": near}))
    response = client.get("/fhir/Location", {"near": near})

    assert codes == [200, 429]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/fhir+json"
    assert response.json()["issue"][0]["code"] == "throttled"
    assert client.get("/fhir/Practitioner").status_code == 200  # reads and other searches are not limited


def test_another_address_keeps_its_own_budget(client: Client, provider: Any) -> None:
    statuses(4, lambda: client.get("/find/", {"near": "80202"}, REMOTE_ADDR="203.0.113.7"))

    assert client.get("/find/", {"near": "80202"}, REMOTE_ADDR="198.51.100.20").status_code == 200


def test_the_self_check_api_answers_429_past_its_rate(client: Client) -> None:
    codes = statuses(
        3,
        lambda: client.post("/api/v1/triage/assessments/", SELF_CHECK_BODY, content_type="application/json"),
    )

    assert codes == [201, 201, 429]


def test_the_self_check_page_limits_submissions_but_not_reading_the_questions(client: Client) -> None:
    codes = statuses(3, lambda: client.post("/check/", SELF_CHECK_FORM))

    assert codes == [302, 302, 429]
    assert client.get("/check/").status_code == 200


def test_listing_reports_answer_429_past_their_rate(client: Client, provider: Any) -> None:
    location = provider.locations.get()
    report = {"problem": "phone", "details": "The number rings a bakery.", "location": location.pk}

    codes = statuses(2, lambda: client.post(f"/find/{provider.npi}/", report))

    assert codes == [302, 429]
    assert client.get(f"/find/{provider.npi}/").status_code == 200


def test_signed_in_referral_work_is_not_rate_limited(client: Client, clinician: Any) -> None:
    client.force_login(clinician)

    assert statuses(5, lambda: client.get("/api/v1/referrals/")) == [200] * 5


@pytest.mark.parametrize("address", ["", "not-an-address", "999.1.1.1"])
def test_a_request_without_a_readable_address_is_limited_not_broken(client: Client, address: str) -> None:
    codes = statuses(
        3,
        lambda: client.post(
            "/api/v1/triage/assessments/",
            SELF_CHECK_BODY,
            content_type="application/json",
            REMOTE_ADDR=address,
        ),
    )

    assert codes == [201, 201, 429]


def test_behind_a_trusted_proxy_the_limit_counts_the_address_it_forwards(
    client: Client, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    def check_from(address: str) -> int:
        return client.post(
            "/api/v1/triage/assessments/",
            SELF_CHECK_BODY,
            content_type="application/json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=address,
        ).status_code

    assert [check_from("203.0.113.7") for _ in range(3)] == [201, 201, 429]
    assert check_from("198.51.100.20") == 201
