"""A GP's EHR submits a referral as a FHIR transaction Bundle: stored, screened and routed as over the API."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from directory.models import Practice
from fhir.auth import READ_SCOPE
from fhir.catalog import code_system_url
from fhir.referral_resources import instant
from referrals.models import AuditLogEntry, Patient, Referral
from tests.fhir.conftest import FhirGet
from tests.fhir.exchange import clinician_token, fhir_call, practice_token, referral_bundle
from tests.referrals.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(client: Client) -> str:
    UserFactory.create(username="dr.adams", first_name="Ann", last_name="Adams")
    return clinician_token(client, "dr.adams")


def _entries(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["resource"]["resourceType"]: entry for entry in bundle["entry"]}


def test_a_submitted_bundle_is_routed_and_answered_with_a_requested_task_owned_by_the_practice(
    client: Client, token: str, near_practice: Practice
) -> None:
    status, answer = fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    assert status == 200
    assert answer["type"] == "transaction-response"
    referral = Referral.objects.get()
    entries = _entries(answer)
    assert {kind: entry["response"]["location"] for kind, entry in entries.items()} == {
        kind: f"{kind}/{referral.public_id}"
        for kind in ("Patient", "ServiceRequest", "QuestionnaireResponse", "Task")
    }
    assert all(entry["response"]["status"] == "201 Created" for entry in entries.values())
    task = entries["Task"]["resource"]
    assert task["status"] == "requested"
    assert task["owner"] == {"reference": f"Organization/{near_practice.pk}", "display": near_practice.name}
    assert referral.acceptance_deadline is not None
    assert task["restriction"]["period"]["end"] == instant(referral.acceptance_deadline)
    assert referral.practice == near_practice and referral.disposition == "urgent"
    assert referral.clinician.username == "dr.adams"


def test_the_stored_patient_and_screening_are_what_the_bundle_said(
    client: Client, token: str, near_practice: Practice
) -> None:
    fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    referral = Referral.objects.select_related("patient", "assessment").get()
    assert (referral.patient.first_name, referral.patient.last_name) == ("Maria", "Lopez")
    assert str(referral.patient.birth_date) == "1970-05-17"
    assert referral.assessment.answers["leg_weakness"] is True
    assert referral.assessment.pain_duration_weeks == 8 and referral.pain_score == 7
    assert referral.requested_procedure is not None
    assert referral.requested_procedure.slug == "epidural-steroid-injection"


def test_a_resent_bundle_returns_the_same_referral_and_creates_nothing(
    client: Client, token: str, near_practice: Practice
) -> None:
    first = fhir_call(client, "POST", "/fhir/", token, referral_bundle())[1]
    status, again = fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    assert status == 200
    assert Referral.objects.count() == 1 and Patient.objects.count() == 1
    assert _entries(again)["Task"]["response"]["location"] == _entries(first)["Task"]["response"]["location"]
    assert _entries(again)["Task"]["response"]["status"] == "200 OK"


def test_the_same_identifier_with_other_content_is_a_422_naming_the_identifier(
    client: Client, token: str, near_practice: Practice
) -> None:
    fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    status, outcome = fhir_call(
        client, "POST", "/fhir/", token, referral_bundle(patient={"birthDate": "1971-05-17"})
    )

    assert status == 422
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[1].resource.identifier[0]"]
    assert Referral.objects.count() == 1


def test_an_emergency_screening_is_recorded_not_routed_and_the_task_says_to_send_the_patient_now(
    client: Client, token: str, near_practice: Practice
) -> None:
    status, answer = fhir_call(
        client, "POST", "/fhir/", token, referral_bundle(answers={"saddle_numbness": True})
    )

    task_entry = _entries(answer)["Task"]
    task = task_entry["resource"]
    assert status == 200
    assert task["status"] == "rejected" and "owner" not in task
    assert "emergency department now" in task["statusReason"]["text"]
    warning = task_entry["response"]["outcome"]["issue"][0]
    assert warning["severity"] == "warning" and warning["diagnostics"] == task["statusReason"]["text"]
    assert Referral.objects.get().status == Referral.Status.EMERGENCY_REDIRECT


def test_with_no_practice_near_the_task_failed_and_names_the_radius_and_whom_to_contact(
    client: Client, token: str
) -> None:
    status, answer = fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    task = _entries(answer)["Task"]["resource"]
    assert status == 200
    assert task["status"] == "failed" and "owner" not in task
    assert "within 50 miles" in task["statusReason"]["text"]
    assert "coordinators@irportal.example" in task["statusReason"]["text"]


def test_a_practice_token_cannot_submit_a_referral(client: Client, near_practice: Practice) -> None:
    token = practice_token(client, near_practice.pk)

    status, outcome = fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    assert status == 403
    assert "IR office staff receive them" in outcome["issue"][0]["diagnostics"]
    assert Referral.objects.count() == 0


def test_the_submission_is_audited_as_a_create_by_the_clinician(
    client: Client, token: str, near_practice: Practice
) -> None:
    fhir_call(client, "POST", "/fhir/", token, referral_bundle())

    entry = AuditLogEntry.objects.get(action="create")
    assert entry.actor is not None and entry.actor.username == "dr.adams"
    assert entry.object_id == str(Referral.objects.get().public_id)


def test_a_token_without_the_write_scope_cannot_submit_and_gets_a_403(client: Client) -> None:
    UserFactory.create(username="dr.reader")
    token = clinician_token(client, "dr.reader", scope=READ_SCOPE)

    status, outcome = fhir_call(client, "POST", "/fhir/", token, {"resourceType": "Bundle"})

    assert status == 403
    assert outcome["issue"][0]["code"] == "forbidden"


def _without(key: str) -> dict[str, Any]:
    bundle = referral_bundle()
    del bundle["entry"][1]["resource"][key]
    return bundle


def _nested(depth: int) -> str:
    return '{"resourceType": "Bundle", "type": "transaction", "entry": ' + "[" * depth + "]" * depth + "}"


BAD_INPUT = {
    "not a transaction": (referral_bundle(bundle={"type": "batch"}), 400, "Bundle.type"),
    "no subject": (_without("subject"), 400, "Bundle.entry[1].resource.subject"),
    "unknown procedure": (
        referral_bundle(
            service_request={"code": {"coding": [{"system": code_system_url("procedure"), "code": "x-ray"}]}}
        ),
        400,
        "Bundle.entry[1].resource.code.coding[0].code",
    ),
    "procedure of another code system": (
        referral_bundle(
            service_request={"code": {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]}}
        ),
        400,
        "Bundle.entry[1].resource.code.coding",
    ),
    "missing red flag": (
        referral_bundle(answers={"fever": None}),
        400,
        "Bundle.entry[2].resource.item.where(linkId='fever')",
    ),
    '"no" for a red flag': (
        referral_bundle(answers={"fever": "no"}),
        400,
        "Bundle.entry[2].resource.item.where(linkId='fever').answer[0].valueBoolean",
    ),
    "born in the future": (
        referral_bundle(patient={"birthDate": "2999-01-01"}),
        400,
        "Bundle.entry[0].resource.birthDate",
    ),
    "10 MB of JSON": (json.dumps(referral_bundle(bundle={"padding": "x" * 10_000_000})), 413, "Bundle"),
    "nested 1,000 deep": (_nested(1000), 400, "Bundle"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_a_4xx_operation_outcome_naming_the_element_and_nothing_is_saved(
    client: Client, token: str, near_practice: Practice, case: str
) -> None:
    body, expected_status, expression = BAD_INPUT[case]

    status, outcome = fhir_call(client, "POST", "/fhir/", token, body)

    assert status == expected_status
    assert outcome["issue"][0]["expression"] == [expression]
    assert Referral.objects.count() == 0 and Patient.objects.count() == 0


def test_a_submission_needs_no_csrf_cookie_because_the_bearer_token_authorises_it(
    near_practice: Practice,
) -> None:
    ehr = Client(enforce_csrf_checks=True)
    UserFactory.create(username="dr.adams")

    status, _answer = fhir_call(ehr, "POST", "/fhir/", clinician_token(ehr, "dr.adams"), referral_bundle())

    assert status == 200
    assert Referral.objects.count() == 1


def test_the_capability_statement_declares_the_transaction_and_oauth(fhir_get: FhirGet) -> None:
    rest = fhir_get("/fhir/metadata")[1]["rest"][0]

    assert rest["interaction"] == [{"code": "transaction"}]
    assert rest["security"]["service"][0]["coding"][0]["code"] == "OAuth"


def test_the_ehr_finds_its_referral_by_its_own_identifier_and_another_clinician_does_not(
    client: Client, token: str, near_practice: Practice
) -> None:
    fhir_call(client, "POST", "/fhir/", token, referral_bundle())
    UserFactory.create(username="dr.brown")
    other = clinician_token(client, "dr.brown")
    mine = {"identifier": "urn:oid:2.16.840.1.113883.19.5|REF-1001"}

    found = fhir_call(client, "GET", "/fhir/ServiceRequest", token, **mine)[1]

    assert found["total"] == 1
    assert found["entry"][0]["resource"]["identifier"][0]["value"] == "REF-1001"
    assert fhir_call(client, "GET", "/fhir/ServiceRequest", token, identifier="REF-1001")[1]["total"] == 1
    assert (
        fhir_call(client, "GET", "/fhir/ServiceRequest", token, identifier="urn:other|REF-1001")[1]["total"]
        == 0
    )
    assert fhir_call(client, "GET", "/fhir/ServiceRequest", other, **mine)[1]["total"] == 0
