"""POST /api/v1/referrals/: screening, routing, idempotency and bad input, as a clinician sees them."""

from __future__ import annotations

import copy
import datetime
import json
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import Practice
from referrals.models import AuditLogEntry, Patient, Referral
from tests.referrals.conftest import practice_km_north
from tests.triage.factories import answers_with

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def body(**overrides: Any) -> dict[str, Any]:
    triage = {"pain_duration_weeks": 8, "answers": answers_with("leg_weakness")}
    data: dict[str, Any] = {
        "patient": {
            "first_name": "Maria",
            "last_name": "Lopez",
            "birth_date": "1970-05-17",
            "sex": "female",
            "phone": "555-0123",
            "postal_code": "80202",
        },
        "triage": triage,
        "requested_procedure": "epidural-steroid-injection",
        "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
        "pain_score": 7,
    }
    data.update(overrides)
    return data


@pytest.fixture
def client(clinician: Any) -> APIClient:
    api = APIClient()
    api.force_authenticate(clinician)
    return api


def post(client: APIClient, data: Any, key: str | None = "key-1") -> Any:
    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, data, format="json", **headers)


def test_submission_is_routed_and_answers_with_practice_distance_and_shortlist(
    client: APIClient, near_practice: Practice, far_practice: Practice
) -> None:
    response = post(client, body())
    assert response.status_code == 201, response.json()
    result = response.json()
    assert result["status"] == "pending"
    assert result["disposition"] == "urgent"
    assert result["practice"]["name"] == "Lakeside Spine and Vascular"
    assert result["practice"]["distance_mi"] == pytest.approx(3.11, abs=0.05)
    assert result["practice"]["location"]["postal_code"]
    assert [c["practice_name"] for c in result["shortlist"]] == [near_practice.name, far_practice.name]
    assert result["acceptance_deadline"]
    assert result["message"] is None
    assert uuid.UUID(result["id"])
    assert "no-store" in response["Cache-Control"]


def test_emergency_submission_tells_the_clinician_to_send_the_patient_to_emergency_care(
    client: APIClient, near_practice: Practice
) -> None:
    triage = {"pain_duration_weeks": 1, "answers": answers_with("bladder_bowel_difficulty")}
    response = post(client, body(triage=triage))
    assert response.status_code == 201
    result = response.json()
    assert result["status"] == "emergency_redirect"
    assert result["practice"] is None
    assert "emergency department now" in result["message"]
    assert Referral.objects.get().status == "emergency_redirect"


def test_missing_idempotency_key_is_a_400_naming_the_header(
    client: APIClient, near_practice: Practice
) -> None:
    response = post(client, body(), key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Referral.objects.exists()


def test_retry_with_the_same_key_and_body_returns_the_first_result_and_creates_nothing(
    client: APIClient, near_practice: Practice
) -> None:
    first = post(client, body(), key="retry-42")
    again = post(client, body(), key="retry-42")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == 1
    assert Patient.objects.count() == 1


def test_a_retry_finds_the_first_referral_by_its_key_without_sorting_the_clinicians_referrals(
    client: APIClient, near_practice: Practice
) -> None:
    # Sorting let PostgreSQL walk every referral of a busy clinician by date instead of
    # looking the key up in its unique index.
    post(client, body(), key="key-1")
    with CaptureQueriesContext(connection) as captured:
        retried = post(client, body(), key="key-1")

    assert retried.status_code == 201
    lookups = [q["sql"] for q in captured.captured_queries if '"idempotency_key" = ' in q["sql"]]
    assert len(lookups) == 1
    assert "ORDER BY" not in lookups[0]


def test_a_submission_costs_the_same_queries_whatever_the_number_of_practices_nearby(
    client: APIClient, near_practice: Practice
) -> None:
    with CaptureQueriesContext(connection) as one_nearby:
        assert post(client, body(), key="key-1").status_code == 201
    for km in range(6, 26):
        practice_km_north(km)
    with CaptureQueriesContext(connection) as many_nearby:
        answer = post(client, body(), key="key-2")

    assert len(answer.json()["shortlist"]) == 5
    assert len(many_nearby.captured_queries) == len(one_nearby.captured_queries)


def test_same_key_with_a_different_body_is_a_422(client: APIClient, near_practice: Practice) -> None:
    post(client, body(), key="retry-42")
    response = post(client, body(pain_score=3), key="retry-42")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert Referral.objects.count() == 1


def test_key_order_in_the_body_does_not_make_a_retry_different(
    client: APIClient, near_practice: Practice
) -> None:
    post(client, body(), key="retry-7")
    reordered = dict(reversed(list(body().items())))
    assert post(client, reordered, key="retry-7").status_code == 201
    assert Referral.objects.count() == 1


def test_two_clinicians_may_use_the_same_key(client: APIClient, near_practice: Practice) -> None:
    from tests.referrals.factories import UserFactory

    post(client, body(), key="shared")
    other = APIClient()
    other.force_authenticate(UserFactory.create())
    assert post(other, body(), key="shared").status_code == 201
    assert Referral.objects.count() == 2


@pytest.mark.parametrize("code", ["male", "female", "other", "unknown"])
def test_the_patient_sex_goes_in_and_comes_back_as_a_fhir_administrative_gender_code(
    client: APIClient, near_practice: Practice, code: str
) -> None:
    created = post(client, with_patient(sex=code))
    assert created.status_code == 201, created.json()

    detail = client.get(f"{URL}{created.json()['id']}/")

    assert detail.json()["patient"]["sex"] == code


def test_the_screening_is_taken_in_the_shape_the_triage_api_takes_and_the_flat_one_is_refused(
    client: APIClient, near_practice: Practice
) -> None:
    flat = body(triage={"pain_duration_weeks": 8, **answers_with("leg_weakness")})

    refused = post(client, flat, key="flat")
    nested = post(client, body(), key="nested")

    assert refused.status_code == 400
    assert refused.json()["triage"]["answers"] == ["This field is required."]
    assert refused.json()["triage"]["leg_weakness"] == ["Unknown field: remove it."]
    assert nested.status_code == 201, nested.json()
    assert nested.json()["disposition"] == "urgent"


def future_birth_date() -> str:
    return (timezone.localdate() + datetime.timedelta(days=2)).isoformat()


def with_patient(**changes: Any) -> dict[str, Any]:
    data = body()
    data["patient"].update(changes)
    return data


def without(path: str) -> dict[str, Any]:
    data = body()
    *parents, key = path.split(".")
    container = data
    for name in parents:
        container = container[name]
    container.pop(key)
    return data


def with_triage(**changes: Any) -> dict[str, Any]:
    data = body()
    data["triage"]["answers"].update(changes)
    return data


BAD_BODIES = [
    ("unknown procedure slug", body(requested_procedure="back-massage"), ["requested_procedure"]),
    ("unknown condition slug", body(suspected_condition="sore-back"), ["suspected_condition"]),
    ("a slug holding a NUL byte", body(requested_procedure="\x00a"), ["requested_procedure"]),
    ("neither procedure nor condition", body(requested_procedure=None), ["requested_procedure"]),
    ("pain score 11", body(pain_score=11), ["pain_score"]),
    ("pain score as text", body(pain_score="7"), ["pain_score"]),
    ("birth date in the future", None, ["patient", "birth_date"]),
    ("a child", with_patient(birth_date="2020-01-01"), ["patient", "birth_date"]),
    ("a ZIP we cannot place", with_patient(postal_code="00000"), ["patient", "postal_code"]),
    ("a ZIP that is not a ZIP", with_patient(postal_code="Denver"), ["patient", "postal_code"]),
    ("unknown sex code", with_patient(sex="Q"), ["patient", "sex"]),
    ("a language we do not offer", with_patient(language="fr"), ["patient", "language"]),
    ("a one-letter sex code instead of a FHIR gender code", with_patient(sex="F"), ["patient", "sex"]),
    ("missing last name", without("patient.last_name"), ["patient", "last_name"]),
    ("red flag answered 0", with_triage(fever=0), ["triage", "answers", "fever"]),
    ("red flag missing", without("triage.answers.saddle_numbness"), ["triage", "answers", "saddle_numbness"]),
    ("no clinical question", body(clinical_question=""), ["clinical_question"]),
    ("unknown field", body(insurance="gold"), ["insurance"]),
]


@pytest.mark.parametrize(("case", "data", "field_path"), BAD_BODIES, ids=[case for case, _, _ in BAD_BODIES])
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    client: APIClient, near_practice: Practice, case: str, data: Any, field_path: list[str]
) -> None:
    if data is None:
        data = with_patient(birth_date=future_birth_date())
    response = post(client, copy.deepcopy(data))
    assert response.status_code == 400, response.content
    errors = response.json()
    for name in field_path:
        errors = errors[name]
    assert errors and all(isinstance(message, str) and message for message in errors)
    assert not Patient.objects.exists()
    assert not Referral.objects.exists()


def test_invalid_json_is_a_400(client: APIClient) -> None:
    response = client.post(URL, data="{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert not Patient.objects.exists()


def test_a_form_encoded_body_is_refused(client: APIClient) -> None:
    response = client.post(URL, data={"clinical_question": "x"}, format="multipart", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 415


def test_anonymous_cannot_submit(near_practice: Practice) -> None:
    response = post(APIClient(), body())
    assert response.status_code in (401, 403)
    assert not Referral.objects.exists()


def test_submission_is_audited_without_patient_data(
    client: APIClient, clinician: Any, near_practice: Practice
) -> None:
    result = post(client, body()).json()
    entry = AuditLogEntry.objects.get(action="create")
    assert entry.actor == clinician
    assert entry.object_id == result["id"]
    assert "Lopez" not in json.dumps([entry.detail, entry.object_id])
