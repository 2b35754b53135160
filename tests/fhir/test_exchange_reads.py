"""Tracking a referral over FHIR: its Task, ServiceRequest, Patient and Appointments, for those who may."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from directory.models import Practice
from fhir.referral_registry import EXCHANGE_TYPES, READ_ONLY
from referrals import services
from referrals.models import Appointment, Referral
from tests.fhir.conftest import FhirGet
from tests.fhir.exchange import clinician_token, fhir_call, practice_token
from tests.referrals.conftest import practice_km_north, referral_request
from tests.referrals.factories import AppointmentFactory, UserFactory
from triage.rules import ANSWER_KEYS

pytestmark = pytest.mark.django_db


@pytest.fixture
def referral(clinician: object, near_practice: Practice) -> Referral:
    return services.referral_submit(clinician=clinician, **referral_request()).referral


def _staff(practice: Practice) -> object:
    return practice.memberships.select_related("user").first().user  # type: ignore[union-attr]


def test_a_clinician_reads_the_task_service_request_patient_and_answers_of_their_referral(
    client: Client, referral: Referral, near_practice: Practice
) -> None:
    token = clinician_token(client, "dr.adams")
    rid = referral.public_id

    task = fhir_call(client, "GET", f"/fhir/Task/{rid}", token)[1]
    request = fhir_call(client, "GET", f"/fhir/ServiceRequest/{rid}", token)[1]
    patient = fhir_call(client, "GET", f"/fhir/Patient/{rid}", token)[1]
    answers = fhir_call(client, "GET", f"/fhir/QuestionnaireResponse/{rid}", token)[1]

    assert (task["status"], task["focus"]["reference"]) == ("requested", f"ServiceRequest/{rid}")
    assert task["owner"]["reference"] == f"Organization/{near_practice.pk}"
    assert [coding["code"] for coding in task["businessStatus"]["coding"]] == ["pending", "2.0"]
    assert request["code"]["coding"][0]["code"] == "epidural-steroid-injection"
    assert request["subject"]["reference"] == f"Patient/{rid}"
    assert (patient["gender"], patient["birthDate"]) == ("female", "1970-05-17")
    flags = {item["linkId"]: item["answer"][0] for item in answers["item"]}
    assert flags["leg_weakness"] == {"valueBoolean": True}
    assert flags["pain_duration_weeks"] == {"valueInteger": 8}


def test_another_clinicians_referral_is_a_404_like_one_that_does_not_exist(
    client: Client, referral: Referral
) -> None:
    UserFactory.create(username="dr.brown")
    token = clinician_token(client, "dr.brown")

    for kind in ("Task", "ServiceRequest", "Patient", "QuestionnaireResponse"):
        assert fhir_call(client, "GET", f"/fhir/{kind}/{referral.public_id}", token)[0] == 404
    assert (
        fhir_call(client, "GET", "/fhir/Task", token, focus=f"ServiceRequest/{referral.public_id}")[1][
            "total"
        ]
        == 0
    )


def test_a_practice_token_sees_only_referrals_routed_to_its_practice(
    client: Client, referral: Referral, near_practice: Practice
) -> None:
    other = practice_km_north(40, name="Summit Interventional Radiology")
    mine = practice_token(client, near_practice.pk)
    theirs = practice_token(client, other.pk)

    assert fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", mine)[0] == 200
    assert fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", theirs)[0] == 404


def test_after_a_decline_the_next_practice_sees_the_task_owned_by_it_and_never_the_first_practice(
    client: Client, referral: Referral, near_practice: Practice
) -> None:
    second = practice_km_north(20, name="Summit Interventional Radiology")
    services.referral_decline(
        referral=referral, user=_staff(near_practice), reason="capacity", comment="Dr. Ng is away"
    )
    token = practice_token(client, second.pk)

    status, task = fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)

    assert status == 200
    assert task["owner"]["reference"] == f"Organization/{second.pk}"
    assert "Lakeside" not in str(task) and "Dr. Ng" not in str(task)
    first = practice_token(client, near_practice.pk)
    assert fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", first)[0] == 404


def test_polling_tasks_by_last_update_finds_only_referrals_that_changed_since(
    client: Client, clinician: object, referral: Referral, near_practice: Practice
) -> None:
    token = clinician_token(client, "dr.adams")
    since = timezone.now()
    Referral.objects.filter(pk=referral.pk).update(updated_at=since - datetime.timedelta(minutes=5))
    params = {"requester": "dr.adams", "_lastUpdated": f"gt{since.isoformat()}"}

    assert fhir_call(client, "GET", "/fhir/Task", token, **params)[1]["total"] == 0
    services.referral_accept(referral=referral, user=_staff(near_practice))
    changed = fhir_call(client, "GET", "/fhir/Task", token, **params)[1]

    assert changed["total"] == 1
    assert changed["entry"][0]["resource"]["status"] == "accepted"
    seen = changed["entry"][0]["resource"]["meta"]["lastUpdated"]
    again = {"requester": "dr.adams", "_lastUpdated": f"gt{seen}"}
    assert fhir_call(client, "GET", "/fhir/Task", token, **again)[1]["total"] == 0


def test_appointments_of_a_service_request_show_their_status_including_no_show(
    client: Client, referral: Referral
) -> None:
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.SCHEDULED)
    AppointmentFactory.create(referral=referral, status=Appointment.Status.NO_SHOW, pain_score=6)
    AppointmentFactory.create(
        referral=referral, starts_at=timezone.now() + datetime.timedelta(days=9), kind="procedure"
    )
    token = clinician_token(client, "dr.adams")

    found = fhir_call(
        client, "GET", "/fhir/Appointment", token, **{"based-on": f"ServiceRequest/{referral.public_id}"}
    )[1]

    visits = [entry["resource"] for entry in found["entry"]]
    assert [visit["status"] for visit in visits] == ["noshow", "booked"]
    assert visits[0]["extension"][0]["valueInteger"] == 6
    assert visits[0]["basedOn"] == [{"reference": f"ServiceRequest/{referral.public_id}"}]


def test_a_completed_task_carries_the_outcome_summary_as_output(client: Client, referral: Referral) -> None:
    Referral.objects.filter(pk=referral.pk).update(
        status=Referral.Status.COMPLETED, outcome_summary="L5 epidural done; pain 7 to 2 at two weeks."
    )
    token = clinician_token(client, "dr.adams")

    task = fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)[1]

    assert task["status"] == "completed"
    assert task["output"][0]["valueString"] == "L5 epidural done; pain 7 to 2 at two weeks."
    assert {"code": "7.0"}.items() <= task["businessStatus"]["coding"][1].items()


def test_a_malformed_id_is_a_400_naming_the_id_and_an_unknown_one_a_404(
    client: Client, clinician: object
) -> None:
    token = clinician_token(client, "dr.adams")

    assert fhir_call(client, "GET", "/fhir/Task/not_an_id!", token)[0] == 400
    assert fhir_call(client, "GET", "/fhir/Task/not-a-uuid", token)[0] == 404
    assert fhir_call(client, "GET", "/fhir/Appointment/12345678901234567890", token)[0] == 404


def test_the_questionnaire_asks_every_red_flag_of_the_triage_api_and_the_two_numbers(
    fhir_get: FhirGet,
) -> None:
    questionnaire = fhir_get("/fhir/Questionnaire/low-back-pain-red-flags")[1]

    link_ids = [item["linkId"] for item in questionnaire["item"]]
    assert link_ids == [*ANSWER_KEYS, "pain_duration_weeks", "pain_score"]
    assert all(item["type"] == "boolean" and item["required"] for item in questionnaire["item"][:14])


def test_the_referral_status_code_system_has_one_code_per_portal_status(fhir_get: FhirGet) -> None:
    codes = fhir_get("/fhir/CodeSystem/referral-status")[1]

    assert [concept["code"] for concept in codes["concept"]] == list(Referral.Status.values)


def test_every_search_parameter_the_statement_declares_for_the_exchange_is_accepted_and_others_refused(
    client: Client, referral: Referral, fhir_get: FhirGet
) -> None:
    token = clinician_token(client, "dr.adams")
    samples = {
        "reference": f"ServiceRequest/{referral.public_id}",
        "string": "dr.adams",
        "date": "ge2020-01-01",
    }
    samples |= {"number": "1", "token": "urn:ehr|REF-1"}
    statement = fhir_get("/fhir/metadata")[1]["rest"][0]["resource"]

    for resource in statement:
        if resource["type"] not in EXCHANGE_TYPES or resource["type"] in READ_ONLY:
            continue
        for param in resource["searchParam"]:
            found = fhir_call(
                client, "GET", f"/fhir/{resource['type']}", token, **{param["name"]: samples[param["type"]]}
            )
            assert (found[0], found[1]["resourceType"]) == (200, "Bundle"), (resource["type"], param)
        assert fhir_call(client, "GET", f"/fhir/{resource['type']}", token, **{"not-declared": "1"})[0] == 400
