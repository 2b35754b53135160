"""A GP's EHR refers a patient over FHIR and follows it to the outcome; the people see the same referral.

The EHR is a real FHIR client (fhirpy) over HTTP against the live server, with a token from
``/o/token/``. The IR office works the referral through the referral services, as the admin
does; the clinician's page and the office's admin page then show one timeline.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.utils import timezone
from fhirpy import SyncFHIRClient
from playwright.sync_api import Page, expect

from fhir.clients import client_create_for_clinician
from referrals import services
from referrals.models import Appointment, Referral
from tests.e2e.scenes import clinician, denver_offices, office_staff
from tests.fhir.conftest import validated
from tests.fhir.exchange import referral_bundle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def ehr_client(live_server: Any, username: str) -> SyncFHIRClient:
    """The GP's EHR: a token by client credentials (HTTP Basic), then FHIR calls with it."""
    credentials = client_create_for_clinician(username=username)
    answer = requests.post(
        f"{live_server.url}/o/token/",
        data={"grant_type": "client_credentials"},
        auth=(credentials.client_id, credentials.client_secret),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {answer.json()['access_token']}")


class Poller:
    """Polls ``Task?requester=...&_lastUpdated=gt<last seen>``, as an EHR watching its referrals."""

    def __init__(self, ehr: SyncFHIRClient, requester: str, since: datetime.datetime) -> None:
        self.ehr, self.requester, self.seen = ehr, requester, since.isoformat()
        self.statuses: list[tuple[str, str]] = []

    def poll(self) -> list[dict[str, Any]]:
        bundle = self.ehr.execute(
            "Task", method="get", params={"requester": self.requester, "_lastUpdated": f"gt{self.seen}"}
        )
        tasks = [entry["resource"] for entry in validated(bundle).get("entry", [])]
        for task in tasks:
            self.seen = max(self.seen, task["meta"]["lastUpdated"])
            self.statuses.append((task["status"], task["businessStatus"]["coding"][0]["code"]))
        return tasks


def office_works_the_referral(referral: Referral, staff: Any, poller: Poller) -> None:
    """Accept, book a consult within the hour, see the patient, complete: the EHR polls after each step."""
    services.referral_accept(referral=referral, user=staff)
    assert len(poller.poll()) == 1
    consult = services.appointment_schedule(
        referral=referral, user=staff, kind="consult", starts_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert len(poller.poll()) == 1
    services.appointment_record_visit(appointment=consult, user=staff, status=Appointment.Status.FULFILLED)
    assert len(poller.poll()) == 1
    assert poller.poll() == []  # nothing changed since
    services.referral_complete(
        referral=referral, user=staff, outcome_summary="Left L5 epidural given; pain 7 to 2 at two weeks."
    )


def test_a_gps_ehr_refers_over_fhir_watches_the_task_and_receives_the_outcome(
    live_server: Any, new_page: Callable[..., Page]
) -> None:
    offices = denver_offices()
    doctor = clinician()
    staff = office_staff(offices["lakeside"], username="staff.lakeside")
    ehr = ehr_client(live_server, "dr.adams")
    poller = Poller(ehr, "dr.adams", timezone.now() - datetime.timedelta(seconds=1))

    answer = validated(ehr.execute("", method="post", data=referral_bundle()))
    task = answer["entry"][3]["resource"]
    assert task["status"] == "requested"
    assert task["owner"]["reference"] == f"Organization/{offices['lakeside'].practice.pk}"
    assert len(poller.poll()) == 1

    referral = Referral.objects.get(public_id=task["id"])
    office_works_the_referral(referral, staff, poller)
    done = poller.poll()

    assert poller.statuses == [
        ("requested", "pending"),
        ("accepted", "accepted"),
        ("in-progress", "scheduled"),
        ("in-progress", "in_treatment"),
        ("completed", "completed"),
    ]
    assert done[0]["output"][0]["valueString"].startswith("Left L5 epidural given")
    service_request = ehr.reference("ServiceRequest", task["id"]).to_resource()
    assert service_request["status"] == "completed"
    visits = ehr.resources("Appointment").search(**{"based-on": f"ServiceRequest/{task['id']}"}).fetch()
    assert [(visit["status"], visit["serviceType"][0]["text"]) for visit in visits] == [
        ("fulfilled", "Consultation")
    ]
    the_same_timeline_on_the_clinicians_page_and_in_the_office_admin(new_page, referral, doctor, staff)


def the_same_timeline_on_the_clinicians_page_and_in_the_office_admin(
    new_page: Callable[..., Page], referral: Referral, doctor: Any, staff: Any
) -> None:
    page = new_page(doctor)
    page.goto(f"/referrals/{referral.public_id}/")
    expect(page.get_by_role("heading", name=re.compile("^Status: "))).to_have_text("Status: Completed")
    clinician_steps = page.locator("ol.timeline li").all_inner_texts()

    office = new_page(staff)
    office.goto("/admin/referrals/referral/")
    office.locator("th.field-reference a").first.click()
    kinds = office.locator("#events-group td.field-kind")
    expect(kinds).to_have_count(6)
    office_steps = [text.strip() for text in kinds.all_inner_texts()]

    assert office_steps == [
        "Submitted",
        "Routed to a practice",
        "Accepted",
        "Appointment booked",
        "Visit recorded",
        "Completed",
    ]
    assert len(clinician_steps) == len(office_steps)
    for shown, kind in zip(clinician_steps, office_steps, strict=True):
        assert shown.split(": ", 1)[1].startswith(kind), (shown, kind)
