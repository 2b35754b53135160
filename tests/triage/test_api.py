"""POST /api/v1/triage/assessments/ against its contract in docs/triage.md."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.triage.factories import answers_with
from triage.models import Assessment
from triage.rules import ANSWER_KEYS, RULESET_VERSION

URL = "/api/v1/triage/assessments/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def body(**overrides: Any) -> dict[str, Any]:
    return {"age": 54, "pain_duration_weeks": 3, "answers": answers_with(), **overrides}


def test_a_full_answer_set_is_201_with_disposition_reasons_advice_and_version(client: APIClient) -> None:
    response = client.post(URL, body(answers=answers_with("fever", "iv_drug_use")), format="json")

    assert response.status_code == 201
    data = response.json()
    assert set(data) == {"disposition", "reasons", "advice", "ruleset_version"}
    assert data["disposition"] == "emergency"
    assert [reason["flag"] for reason in data["reasons"]] == ["iv_drug_use", "fever"]
    assert all(reason["explanation"] for reason in data["reasons"])
    assert "911" in data["advice"][0]
    assert data["ruleset_version"] == RULESET_VERSION


def test_no_flags_is_self_care_and_is_stored_anonymously_with_an_age_band(client: APIClient) -> None:
    response = client.post(URL, body(age=54), format="json")

    assert response.status_code == 201
    assert response.json()["disposition"] == "self_care"
    assert response.json()["reasons"] == []
    stored = Assessment.objects.get()
    assert stored.age_band == "50-59"
    assert stored.source == "self_check"
    assert stored.answers == answers_with()


def test_a_logged_in_clinician_can_post_too_without_a_csrf_token() -> None:
    user = get_user_model().objects.create_user("gp", password="a-long-password-1")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(URL, body(), format="json")

    assert response.status_code == 201


@pytest.mark.parametrize("bad_value", [0, 1, "false", "no", "true", None, [], {}])
def test_an_answer_that_is_not_a_json_boolean_is_a_400_naming_it(client: APIClient, bad_value: Any) -> None:
    answers: dict[str, Any] = {**answers_with(), "saddle_numbness": bad_value}

    response = client.post(URL, body(answers=answers), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"answers"}
    assert set(response.json()["answers"]) == {"saddle_numbness"}
    assert not Assessment.objects.exists()


def test_a_missing_answer_is_a_400_naming_it_never_a_silent_no(client: APIClient) -> None:
    answers = answers_with()
    del answers["bladder_bowel_difficulty"]

    response = client.post(URL, body(answers=answers), format="json")

    assert response.status_code == 400
    assert "required" in response.json()["answers"]["bladder_bowel_difficulty"][0]
    assert not Assessment.objects.exists()


def test_an_unknown_answer_key_is_a_400_naming_it(client: APIClient) -> None:
    response = client.post(URL, body(answers={**answers_with(), "back_hurts": True}), format="json")

    assert response.status_code == 400
    assert set(response.json()["answers"]) == {"back_hurts"}


def test_an_unknown_top_level_key_is_a_400_naming_it(client: APIClient) -> None:
    response = client.post(URL, body(name="Jane Doe"), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name"}


def test_missing_answers_object_is_a_400_naming_answers(client: APIClient) -> None:
    data = body()
    del data["answers"]

    response = client.post(URL, data, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"answers"}


@pytest.mark.parametrize("bad_age", [17, 121, 0, -5, True, False, "54", 54.0, 54.5, None])
def test_an_age_outside_18_to_120_or_not_a_json_integer_is_a_400_naming_age(
    client: APIClient, bad_age: Any
) -> None:
    response = client.post(URL, body(age=bad_age), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"age"}
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("good_age", [18, 120])
def test_ages_18_and_120_are_accepted(client: APIClient, good_age: int) -> None:
    assert client.post(URL, body(age=good_age), format="json").status_code == 201


@pytest.mark.parametrize("bad_weeks", [-1, "3", 3.0, True, None, 10**30])
def test_a_pain_duration_that_is_negative_huge_or_not_an_integer_is_a_400(
    client: APIClient, bad_weeks: Any
) -> None:
    response = client.post(URL, body(pain_duration_weeks=bad_weeks), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"pain_duration_weeks"}


def test_several_problems_are_all_named_at_once(client: APIClient) -> None:
    answers: dict[str, Any] = {**answers_with(), "fever": "no", "extra": False}
    del answers["osteoporosis"]

    response = client.post(URL, body(age=17, answers=answers), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"age", "answers"}
    assert set(response.json()["answers"]) == {"fever", "osteoporosis", "extra"}


def test_a_form_encoded_body_is_refused_and_asks_for_json(client: APIClient) -> None:
    form = {"age": "54", "pain_duration_weeks": "3", **{key: "false" for key in ANSWER_KEYS}}

    response = client.post(URL, form, format="multipart")
    urlencoded = client.generic(
        "POST", URL, "age=54&pain_duration_weeks=3", "application/x-www-form-urlencoded"
    )

    assert response.status_code in (400, 415)
    assert urlencoded.status_code in (400, 415)
    assert "application/json" in urlencoded.json()["detail"]
    assert not Assessment.objects.exists()


def test_malformed_json_and_a_json_list_are_400s_not_500s(client: APIClient) -> None:
    broken = client.generic("POST", URL, '{"age": 54,', "application/json")
    a_list = client.post(URL, [body()], format="json")

    assert broken.status_code == 400
    assert a_list.status_code == 400


def test_the_schema_documents_the_json_request_with_every_answer_required_and_the_201(
    client: APIClient,
) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/triage/assessments/"]["post"]
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    assert operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/AssessmentResult"
    )
    answers = schema["components"]["schemas"]["Answers"]
    assert sorted(answers["required"]) == sorted(ANSWER_KEYS)
    assert all(answers["properties"][key]["type"] == "boolean" for key in ANSWER_KEYS)
