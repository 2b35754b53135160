"""A practice's system answers its referrals over FHIR: Task updates and Appointments.

The contract is docs/fhir-referrals.md ("The practice's side"); every change goes through
the referral services, so the rules of docs/workflow.md hold here as in the office admin.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from directory.models import Practice
from fhir.catalog import canonical
from referrals import services
from referrals.models import Appointment, AuditLogEntry, Referral
from tests.fhir.conftest import FHIR_JSON, validated
from tests.fhir.exchange import clinician_token, fhir_call, practice_token
from tests.referrals.conftest import referral_request

pytestmark = pytest.mark.django_db

DECLINE_REASONS = canonical("CodeSystem/decline-reason")
KINDS = canonical("CodeSystem/appointment-kind")
PAIN_SCORE = canonical("StructureDefinition/pain-score")


@pytest.fixture
def referral(clinician: Any, near_practice: Practice, far_practice: Practice) -> Referral:
    return services.referral_submit(clinician=clinician, **referral_request()).referral


@pytest.fixture
def token(client: Client, near_practice: Practice) -> str:
    return practice_token(client, near_practice.pk)


def task_as_served(client: Client, token: str, referral: Referral) -> dict[str, Any]:
    return fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)[1]


def put_task(client: Client, token: str, referral: Referral, **changes: Any) -> tuple[int, dict[str, Any]]:
    """PUT the Task as served, with ``changes`` made to it, as a practice's system does."""
    task = {**task_as_served(client, token, referral), **changes}
    return fhir_call(client, "PUT", f"/fhir/Task/{referral.public_id}", token, task)


def booking(referral: Referral, **changes: Any) -> dict[str, Any]:
    appointment = {
        "resourceType": "Appointment",
        "status": "booked",
        "basedOn": [{"reference": f"ServiceRequest/{referral.public_id}"}],
        "start": "2027-01-12T15:30:00Z",
        "serviceType": [{"coding": [{"system": KINDS, "code": "consult"}]}],
        "participant": [
            {"actor": {"reference": f"Patient/{referral.public_id}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{referral.practice_location_id}"}, "status": "accepted"},
        ],
    }
    return {**appointment, **changes}


def refresh(referral: Referral) -> Referral:
    referral.refresh_from_db()
    return referral


def test_a_practice_accepts_its_referral_by_putting_the_task_accepted(
    client: Client, token: str, referral: Referral, near_practice: Practice
) -> None:
    status, task = put_task(client, token, referral, status="accepted")

    assert status == 200
    assert task["status"] == "accepted"
    assert [coding["code"] for coding in task["businessStatus"]["coding"]] == ["accepted", "3.0"]
    assert refresh(referral).status == Referral.Status.ACCEPTED
    [accepted] = referral.events.filter(kind="accepted")
    assert accepted.actor is not None and accepted.actor.username == f"fhir-practice-{near_practice.pk}"
    assert AuditLogEntry.objects.filter(
        action="update", object_id=str(referral.public_id), detail="Task accepted"
    ).exists()


def test_putting_the_same_answer_twice_changes_nothing_the_second_time(
    client: Client, token: str, referral: Referral
) -> None:
    put_task(client, token, referral, status="accepted")
    status, task = put_task(client, token, referral, status="accepted")
    assert (status, task["status"]) == (200, "accepted")
    assert referral.events.filter(kind="accepted").count() == 1


def test_a_json_patch_of_the_status_accepts_too(client: Client, token: str, referral: Referral) -> None:
    response = client.patch(
        f"/fhir/Task/{referral.public_id}",
        json.dumps([{"op": "replace", "path": "/status", "value": "accepted"}]),
        content_type="application/json-patch+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    assert validated(response.json())["status"] == "accepted"
    assert refresh(referral).status == Referral.Status.ACCEPTED


def test_a_json_patch_that_does_not_apply_is_a_400_and_changes_nothing(
    client: Client, token: str, referral: Referral
) -> None:
    response = client.patch(
        f"/fhir/Task/{referral.public_id}",
        json.dumps([{"op": "remove", "path": "/no/such/element"}]),
        content_type="application/json-patch+json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response["Content-Type"] == FHIR_JSON
    assert validated(response.json())["issue"][0]["expression"] == ["Task"]
    assert refresh(referral).status == Referral.Status.PENDING


def test_a_rejected_task_with_a_coded_reason_moves_the_referral_to_the_next_practice(
    client: Client, token: str, referral: Referral, far_practice: Practice
) -> None:
    status, answer = put_task(
        client,
        token,
        referral,
        status="rejected",
        statusReason={
            "coding": [{"system": DECLINE_REASONS, "code": "capacity"}],
            "text": "Fully booked until March.",
        },
    )

    assert status == 200
    assert answer["resourceType"] == "OperationOutcome"
    assert answer["issue"][0]["diagnostics"] == "Done. The referral has left your practice."
    assert far_practice.name not in json.dumps(answer)
    referral = refresh(referral)
    assert referral.practice == far_practice and referral.status == Referral.Status.PENDING
    [declined] = referral.events.filter(kind="declined")
    assert (declined.reason, declined.comment) == ("capacity", "Fully booked until March.")
    assert fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)[0] == 404

    next_practice = practice_token(client, far_practice.pk)
    task = task_as_served(client, next_practice, referral)
    assert task["owner"]["reference"] == f"Organization/{far_practice.pk}"
    assert "Fully booked" not in json.dumps(task) and "Lakeside" not in json.dumps(task)


@pytest.mark.parametrize(
    ("reason", "expression"),
    [
        ({"coding": [{"system": DECLINE_REASONS, "code": "too-busy"}]}, "Task.statusReason.coding"),
        ({"text": "No capacity."}, "Task.statusReason.coding"),
        ({"coding": [{"system": DECLINE_REASONS, "code": "other"}]}, "Task.statusReason.text"),
    ],
)
def test_a_rejection_without_a_reason_of_ours_is_a_400_naming_the_element_and_nothing_moves(
    client: Client, token: str, referral: Referral, near_practice: Practice, reason: Any, expression: str
) -> None:
    status, outcome = put_task(client, token, referral, status="rejected", statusReason=reason)
    assert status == 400
    assert outcome["issue"][0]["expression"] == [expression]
    referral = refresh(referral)
    assert referral.practice == near_practice and not referral.events.filter(kind="declined").exists()


def test_completing_a_referral_that_is_still_pending_is_a_409_and_changes_nothing(
    client: Client, token: str, referral: Referral
) -> None:
    status, outcome = put_task(
        client,
        token,
        referral,
        status="completed",
        output=[{"type": {"text": "Outcome"}, "valueString": "Done."}],
    )
    assert status == 409
    assert outcome["issue"][0]["code"] == "business-rule"
    assert outcome["issue"][0]["expression"] == ["Task.status"]
    assert refresh(referral).status == Referral.Status.PENDING


def test_in_progress_before_any_booking_is_a_409_that_says_to_book_an_appointment(
    client: Client, token: str, referral: Referral
) -> None:
    put_task(client, token, referral, status="accepted")
    status, outcome = put_task(client, token, referral, status="in-progress")
    assert status == 409
    assert "POST /fhir/Appointment" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("changes", "expression"),
    [
        ({"status": "on-hold"}, "Task.status"),
        ({"id": "someone-else"}, "Task.id"),
        ({"resourceType": "Patient"}, "Task"),
        ({"status": "completed", "output": [{"valueString": "   "}]}, "Task.output"),
    ],
)
def test_a_task_the_portal_cannot_read_is_a_400_naming_the_element(
    client: Client, token: str, referral: Referral, changes: dict[str, Any], expression: str
) -> None:
    status, outcome = put_task(client, token, referral, **changes)
    assert status == 400
    assert outcome["issue"][0]["expression"] == [expression]
    assert refresh(referral).status == Referral.Status.PENDING


def test_another_practice_cannot_touch_the_task_it_is_a_404(
    client: Client, referral: Referral, far_practice: Practice
) -> None:
    other = practice_token(client, far_practice.pk)
    task = {"resourceType": "Task", "id": str(referral.public_id), "status": "accepted", "intent": "order"}
    status, outcome = fhir_call(client, "PUT", f"/fhir/Task/{referral.public_id}", other, task)
    assert status == 404
    assert outcome["issue"][0]["code"] == "not-found"
    assert refresh(referral).status == Referral.Status.PENDING


def test_a_clinician_may_not_accept_their_own_referral_403(
    client: Client, referral: Referral, clinician: Any
) -> None:
    token = clinician_token(client, "dr.adams")
    status, outcome = put_task(client, token, referral, status="accepted")
    assert (status, outcome["issue"][0]["code"]) == (403, "forbidden")
    assert refresh(referral).status == Referral.Status.PENDING


def test_a_put_without_a_token_is_a_401(client: Client, referral: Referral) -> None:
    task = {"resourceType": "Task", "status": "accepted", "intent": "order"}
    status, _ = fhir_call(client, "PUT", f"/fhir/Task/{referral.public_id}", None, task)
    assert status == 401


def test_booking_an_appointment_schedules_the_referral_and_reads_back_as_booked(
    client: Client, token: str, referral: Referral
) -> None:
    put_task(client, token, referral, status="accepted")
    status, appointment = fhir_call(client, "POST", "/fhir/Appointment", token, booking(referral))

    assert status == 201
    assert appointment["status"] == "booked"
    assert appointment["start"] == "2027-01-12T15:30:00.000000+00:00"
    assert refresh(referral).status == Referral.Status.SCHEDULED
    task = task_as_served(client, token, referral)
    assert task["status"] == "in-progress"
    assert [coding["code"] for coding in task["businessStatus"]["coding"]] == ["scheduled", "5.1.1"]
    assert put_task(client, token, referral, status="in-progress")[0] == 200  # no change, no error


def test_a_visit_is_recorded_with_its_pain_score_and_a_no_show_is_kept_as_one(
    client: Client, token: str, referral: Referral
) -> None:
    put_task(client, token, referral, status="accepted")
    _, consult = fhir_call(client, "POST", "/fhir/Appointment", token, booking(referral))
    pain = [{"url": PAIN_SCORE, "valueInteger": 3}]
    status, seen = fhir_call(
        client,
        "PUT",
        f"/fhir/Appointment/{consult['id']}",
        token,
        {**consult, "status": "fulfilled", "extension": pain},
    )
    assert status == 200
    assert (seen["status"], seen["extension"]) == ("fulfilled", pain)
    assert refresh(referral).status == Referral.Status.IN_TREATMENT

    follow_up = booking(referral, start="2027-02-12T15:30:00Z", status="noshow")
    follow_up["serviceType"] = [{"coding": [{"system": KINDS, "code": "follow_up"}]}]
    status, missed = fhir_call(client, "POST", "/fhir/Appointment", token, follow_up)
    assert (status, missed["status"]) == (201, "noshow")
    assert Appointment.objects.get(pk=missed["id"]).status == Appointment.Status.NO_SHOW


def test_a_visit_cannot_go_back_from_fulfilled_to_no_show_409(
    client: Client, token: str, referral: Referral
) -> None:
    put_task(client, token, referral, status="accepted")
    _, booked = fhir_call(client, "POST", "/fhir/Appointment", token, booking(referral, status="fulfilled"))
    status, outcome = fhir_call(
        client, "PUT", f"/fhir/Appointment/{booked['id']}", token, {**booked, "status": "noshow"}
    )
    assert (status, outcome["issue"][0]["expression"]) == (409, ["Appointment.status"])
    assert outcome["issue"][0]["diagnostics"].endswith("A visit that is fulfilled cannot become no show.")
    assert Appointment.objects.get(pk=booked["id"]).status == Appointment.Status.FULFILLED


def test_a_slot_already_taken_is_a_409(client: Client, token: str, referral: Referral) -> None:
    put_task(client, token, referral, status="accepted")
    assert fhir_call(client, "POST", "/fhir/Appointment", token, booking(referral))[0] == 201
    status, outcome = fhir_call(client, "POST", "/fhir/Appointment", token, booking(referral))
    assert status == 409
    assert "already booked" in outcome["issue"][0]["diagnostics"]
    assert referral.appointments.count() == 1


@pytest.mark.parametrize(
    ("changes", "expression"),
    [
        ({"start": "2027-01-12T15:30:00"}, "Appointment.start"),
        ({"status": "proposed"}, "Appointment.status"),
        ({"serviceType": [{"text": "Consultation"}]}, "Appointment.serviceType"),
        ({"basedOn": []}, "Appointment.basedOn"),
        ({"participant": [{"actor": {"reference": "Location/999999"}}]}, "Appointment.participant[0].actor"),
        ({"extension": [{"url": PAIN_SCORE, "valueInteger": 11}]}, "Appointment.extension"),
    ],
)
def test_an_appointment_the_portal_cannot_read_is_a_400_naming_the_element_and_nothing_is_booked(
    client: Client, token: str, referral: Referral, changes: dict[str, Any], expression: str
) -> None:
    put_task(client, token, referral, status="accepted")
    status, outcome = fhir_call(client, "POST", "/fhir/Appointment", token, booking(referral, **changes))
    assert status == 400
    assert outcome["issue"][0]["expression"] == [expression]
    assert not referral.appointments.exists()


def test_a_location_of_another_practice_is_a_400_on_the_participant(
    client: Client, token: str, referral: Referral, far_practice: Practice
) -> None:
    put_task(client, token, referral, status="accepted")
    elsewhere = far_practice.locations.first()
    assert elsewhere is not None
    body = booking(referral, participant=[{"actor": {"reference": f"Location/{elsewhere.pk}"}}])
    status, outcome = fhir_call(client, "POST", "/fhir/Appointment", token, body)
    assert status == 400
    assert outcome["issue"][0]["expression"] == ["Appointment.participant"]


def test_booking_for_another_practices_referral_is_a_404(
    client: Client, referral: Referral, far_practice: Practice
) -> None:
    other = practice_token(client, far_practice.pk)
    status, _ = fhir_call(client, "POST", "/fhir/Appointment", other, booking(referral))
    assert status == 404
    assert not referral.appointments.exists()


def test_the_codes_a_practice_answers_with_are_published_as_code_systems(client: Client) -> None:
    reasons = validated(client.get("/fhir/CodeSystem/decline-reason").json())
    kinds = validated(client.get("/fhir/CodeSystem/appointment-kind").json())
    assert reasons["url"] == DECLINE_REASONS
    assert [concept["code"] for concept in reasons["concept"]] == [
        "not_offered",
        "capacity",
        "out_of_network",
        "clinical_mismatch",
        "patient_preference",
        "other",
    ]
    assert [concept["code"] for concept in kinds["concept"]] == [
        "consult",
        "procedure",
        "follow_up",
        "imaging",
    ]


def test_the_capability_statement_declares_what_a_practice_system_may_write(client: Client) -> None:
    statement = validated(client.get("/fhir/metadata").json())
    served = {
        resource["type"]: [interaction["code"] for interaction in resource["interaction"]]
        for resource in statement["rest"][0]["resource"]
    }
    assert served["Task"] == ["patch", "read", "search-type", "update"]
    assert served["Appointment"] == ["create", "read", "search-type", "update"]
    assert served["ServiceRequest"] == ["read", "search-type"]


@pytest.mark.parametrize(
    ("body", "content_type", "expected_status"),
    [
        ('{"resourceType": "Task", "status": ' + "[" * 1000 + "]" * 1000 + "}", FHIR_JSON, 400),
        (
            json.dumps({"resourceType": "Task", "status": "accepted", "note": "x" * 10_000_000}),
            FHIR_JSON,
            413,
        ),
        ('{"resourceType": "Task", "status": "accepted"', FHIR_JSON, 400),
        (json.dumps({"resourceType": "Task", "status": "accepted"}), "text/plain", 415),
    ],
    ids=["nested 1,000 deep", "10 MB of JSON", "not JSON", "not FHIR JSON"],
)
def test_a_body_too_deep_too_big_or_not_json_is_refused_before_anything_changes(
    client: Client, token: str, referral: Referral, body: str, content_type: str, expected_status: int
) -> None:
    response = client.put(
        f"/fhir/Task/{referral.public_id}",
        body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == expected_status
    outcome = validated(response.json())
    assert outcome["resourceType"] == "OperationOutcome"
    if expected_status != 415:
        assert outcome["issue"][0]["expression"] == ["Task"]
    assert refresh(referral).status == Referral.Status.PENDING
