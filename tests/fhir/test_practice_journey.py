"""End to end over real HTTP: a practice's FHIR system receives a referral and closes the loop.

The portal runs as a live server; the practice's FHIR server is a loopback HTTP server
(``tests.fhir.practice_endpoint``) and its system a FHIR client (fhirpy) with the practice's
OAuth token. docs/fhir-referrals.md has the contract.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from fhirpy import SyncFHIRClient
from pytest_httpserver import HTTPServer

from fhir.catalog import canonical
from fhir.clients import Credentials, client_create_for_clinician, client_create_for_practice
from referrals import services
from referrals.models import Referral
from tests.fhir.practice_endpoint import fhir_practice, practice_endpoint
from tests.referrals.conftest import referral_request
from tests.referrals.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def fhir_client(live_server: Any, credentials: Credentials) -> SyncFHIRClient:
    """A FHIR client signed in the way the README shows: client credentials at /o/token/."""
    answer = requests.post(
        f"{live_server.url}/o/token/",
        data={"grant_type": "client_credentials"},
        auth=(credentials.client_id, credentials.client_secret),
        timeout=10,
    )
    answer.raise_for_status()
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {answer.json()['access_token']}")


def test_a_practice_system_receives_the_referral_accepts_books_records_and_completes_it(
    live_server: Any, httpserver: HTTPServer
) -> None:
    endpoint = practice_endpoint(httpserver)
    practice = fhir_practice(3, endpoint.base_url)
    clinician = UserFactory.create(username="dr.adams")
    gp = fhir_client(live_server, client_create_for_clinician(username="dr.adams"))
    office = fhir_client(live_server, client_create_for_practice(practice_id=practice.pk))

    referral = services.referral_submit(clinician=clinician, **referral_request()).referral  # sent at commit
    [bundle] = endpoint.received  # parsed with the R4B models on arrival
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["Patient", "ServiceRequest", "QuestionnaireResponse", "Task"]
    [received_task] = endpoint.stored_of("Task")
    [identifier] = received_task["identifier"]
    task_id = identifier["value"]  # the portal's Task id: what the practice answers on

    task = office.reference("Task", task_id).to_resource()
    task["status"] = "accepted"
    task.save()

    consult = office.resource(
        "Appointment",
        status="booked",
        basedOn=task["basedOn"],
        start="2027-01-12T15:30:00Z",
        serviceType=[{"coding": [{"system": canonical("CodeSystem/appointment-kind"), "code": "procedure"}]}],
        participant=[
            {"actor": {"reference": f"Location/{referral.practice_location_id}"}, "status": "accepted"}
        ],
    )
    consult.save()
    consult["status"] = "fulfilled"
    consult["extension"] = [{"url": canonical("StructureDefinition/pain-score"), "valueInteger": 2}]
    consult.save()

    task = office.reference("Task", task_id).to_resource()
    assert task["status"] == "in-progress"
    task["status"] = "completed"
    task["output"] = [{"type": {"text": "Outcome summary"}, "valueString": "L5 epidural given; pain 7 -> 2."}]
    task.save()

    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    seen_by_gp = gp.reference("Task", task_id).to_resource()
    assert seen_by_gp["status"] == "completed"
    assert seen_by_gp["output"][0]["valueString"] == "L5 epidural given; pain 7 -> 2."
    visits = gp.resources("Appointment").search(**{"based-on": f"ServiceRequest/{task_id}"}).fetch_all()
    assert [(visit["status"], visit["extension"][0]["valueInteger"]) for visit in visits] == [
        ("fulfilled", 2)
    ]
    kinds_of_events = list(referral.events.values_list("kind", flat=True))
    assert kinds_of_events == ["submitted", "routed", "accepted", "scheduled", "visit_recorded", "completed"]
