"""Helpers for the referral exchange tests: OAuth clients, tokens and calls as an EHR makes them."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.test import Client

from fhir.catalog import code_system_url
from fhir.clients import Credentials, client_create_for_clinician, client_create_for_practice
from fhir.questionnaire import questionnaire_url
from tests.fhir.conftest import FHIR_JSON, validated
from triage.rules import ANSWER_KEYS


def basic_auth(credentials: Credentials) -> str:
    pair = f"{credentials.client_id}:{credentials.client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def token_for(client: Client, credentials: Credentials, scope: str | None = None) -> str:
    """A bearer token from ``POST /o/token/`` (client credentials, HTTP Basic client authentication)."""
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = client.post("/o/token/", data, HTTP_AUTHORIZATION=basic_auth(credentials))
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def clinician_token(client: Client, username: str, scope: str | None = None) -> str:
    return token_for(client, client_create_for_clinician(username=username), scope)


def practice_token(client: Client, practice_id: int, scope: str | None = None) -> str:
    return token_for(client, client_create_for_practice(practice_id=practice_id), scope)


def fhir_call(
    client: Client, method: str, path: str, token: str | None, body: Any = None, **params: Any
) -> tuple[int, dict[str, Any]]:
    """Call ``/fhir/`` with a bearer token: (status, the body validated as FHIR R4B)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        response = client.get(path, params, headers=headers)
    else:
        data = body if isinstance(body, str) else json.dumps(body)
        response = client.generic(method, path, data=data, content_type=FHIR_JSON, headers=headers)
    assert response["Content-Type"] == FHIR_JSON, (path, response.status_code, response.content[:300])
    return response.status_code, validated(response.json())


def referral_bundle(**changes: Any) -> dict[str, Any]:
    """A GP's referral as a transaction Bundle: an urgent (leg weakness) epidural request near Denver.

    ``changes`` replace whole resources' keys: ``patient={...}``, ``service_request={...}``,
    ``answers={linkId: value}`` (a value of ``None`` leaves the item out).
    """
    patient = {
        "resourceType": "Patient",
        "name": [{"family": "Lopez", "given": ["Maria"]}],
        "birthDate": "1970-05-17",
        "gender": "female",
        "telecom": [{"system": "phone", "value": "555-0123"}],
        "address": [{"postalCode": "80202"}],
        **changes.get("patient", {}),
    }
    service_request = {
        "resourceType": "ServiceRequest",
        "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "REF-1001"}],
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": code_system_url("procedure"), "code": ESI}]},
        "subject": {"reference": PATIENT_URL},
        "note": [{"text": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?"}],
        "supportingInfo": [{"reference": ANSWERS_URL}],
        **changes.get("service_request", {}),
    }
    answers: dict[str, Any] = {key: key == "leg_weakness" for key in ANSWER_KEYS}
    answers |= {"pain_duration_weeks": 8, "pain_score": 7, **changes.get("answers", {})}
    items = [
        {
            "linkId": key,
            "answer": [
                {
                    "valueInteger"
                    if isinstance(value, int) and not isinstance(value, bool)
                    else "valueBoolean": value
                }
            ],
        }
        for key, value in answers.items()
        if value is not None
    ]
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": questionnaire_url(),
        "status": "completed",
        "subject": {"reference": PATIENT_URL},
        "item": items,
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            _post(PATIENT_URL, patient),
            _post(
                SERVICE_REQUEST_URL,
                service_request,
                if_none_exist="identifier=urn:oid:2.16.840.1.113883.19.5|REF-1001",
            ),
            _post(ANSWERS_URL, response),
        ],
        **changes.get("bundle", {}),
    }


def _post(full_url: str, resource: dict[str, Any], if_none_exist: str = "") -> dict[str, Any]:
    request = {"method": "POST", "url": resource["resourceType"]}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return {"fullUrl": full_url, "resource": resource, "request": request}


ESI = "epidural-steroid-injection"
PATIENT_URL = "urn:uuid:7d3a4c5e-0000-4000-8000-000000000001"
SERVICE_REQUEST_URL = "urn:uuid:7d3a4c5e-0000-4000-8000-000000000002"
ANSWERS_URL = "urn:uuid:7d3a4c5e-0000-4000-8000-000000000003"
