"""A practice enrolled with an active FHIR endpoint receives its referrals there, through the outbox.

The contract is in docs/fhir-referrals.md ("The practice's side"); the moves on failure in
docs/workflow.md ("Delivery"). The endpoint is a real HTTP server on the loopback
(``tests.fhir.practice_endpoint``); time is moved by clearing a row's retry time, the way
the sweep finds it due.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from pytest_httpserver import HTTPServer

from directory.enrolment import EndpointStatus
from directory.models import Practice
from referrals import delivery, services, tasks
from referrals.models import NotificationOutbox, Referral
from tests.fhir.practice_endpoint import PracticeEndpoint, fhir_practice, practice_endpoint
from tests.referrals.conftest import practice_km_north, referral_request
from tests.referrals.factories import enrolled

pytestmark = pytest.mark.django_db

Outbox = NotificationOutbox


@pytest.fixture(autouse=True)
def three_attempts() -> Iterator[None]:
    with override_settings(NOTIFICATION_MAX_ATTEMPTS=3, FHIR_ENDPOINT_TIMEOUT_SECONDS=2.0):
        yield


@pytest.fixture
def submit(clinician: Any) -> Callable[[], Referral]:
    """Submit an urgent epidural referral for a patient in downtown Denver, as ``clinician``."""
    return lambda: services.referral_submit(clinician=clinician, **referral_request()).referral


@pytest.fixture
def endpoint(httpserver: HTTPServer) -> PracticeEndpoint:
    return practice_endpoint(httpserver)


@pytest.fixture
def ehr_practice(endpoint: PracticeEndpoint) -> Practice:
    return fhir_practice(3, endpoint.base_url)


@pytest.fixture
def inbox_practice() -> Practice:
    return practice_km_north(9, name="Summit Interventional Radiology")


def bundle_row(referral: Referral, practice: Practice, event: str = "routed") -> NotificationOutbox:
    return Outbox.objects.get(referral=referral, practice=practice, channel="fhir", event_kind=event)


def attempt(row: NotificationOutbox) -> None:
    """One delivery attempt of ``row``, as soon as its retry is due."""
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=None)
    tasks.deliver_notification(row.pk)


def entries_by_type(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["resource"]["resourceType"]: entry for entry in bundle["entry"]}


def test_a_referral_routed_to_a_practice_with_an_endpoint_arrives_there_as_a_transaction(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice
) -> None:
    referral = submit()
    assert referral.practice == ehr_practice
    assert not Outbox.objects.filter(referral=referral, practice=ehr_practice, channel="email").exists()
    attempt(bundle_row(referral, ehr_practice))

    [bundle] = endpoint.received  # parsed with the R4B models on arrival
    assert bundle["type"] == "transaction"
    entries = entries_by_type(bundle)
    assert set(entries) == {"Patient", "ServiceRequest", "QuestionnaireResponse", "Task"}
    task = entries["Task"]
    assert task["request"] == {
        "method": "POST",
        "url": "Task",
        "ifNoneExist": f"identifier=http://127.0.0.1:8000/fhir/sid/referral|{referral.public_id}",
    }
    assert task["resource"]["status"] == "requested"
    assert task["resource"]["focus"]["reference"] == entries["ServiceRequest"]["fullUrl"]
    assert task["resource"]["for"]["reference"] == entries["Patient"]["fullUrl"]
    assert (
        task["resource"]["owner"]["reference"] == f"http://127.0.0.1:8000/fhir/Organization/{ehr_practice.pk}"
    )
    assert entries["Patient"]["resource"]["name"] == [
        {"family": referral.patient.last_name, "given": ["Maria"]}
    ]
    assert bundle_row(referral, ehr_practice).status == Outbox.Status.SENT


def test_a_retry_after_a_500_resends_the_same_task_identifier_and_the_practice_keeps_one_copy(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice
) -> None:
    endpoint.failures, endpoint.fail_after_storing = [500], True
    referral = submit()
    row = bundle_row(referral, ehr_practice)
    attempt(row)
    assert bundle_row(referral, ehr_practice).status == Outbox.Status.PENDING  # to be retried
    attempt(row)

    first, second = endpoint.received
    assert entries_by_type(first)["Task"] == entries_by_type(second)["Task"]
    assert len(endpoint.stored_of("Task")) == 1
    assert len(endpoint.stored_of("Patient")) == 1
    assert bundle_row(referral, ehr_practice).status == Outbox.Status.SENT
    referral.refresh_from_db()
    assert referral.practice == ehr_practice and referral.status == Referral.Status.PENDING


def test_a_400_from_the_endpoint_moves_the_referral_on_and_sets_the_endpoint_to_error(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice, inbox_practice: Practice
) -> None:
    endpoint.failures = [400]
    referral = submit()
    attempt(bundle_row(referral, ehr_practice))

    assert len(endpoint.received) == 1  # not resent: the endpoint refused it for good
    referral.refresh_from_db()
    assert referral.practice == inbox_practice and referral.status == Referral.Status.PENDING
    [moved] = referral.events.filter(kind="delivery_failed")
    assert moved.practice == ehr_practice
    assert moved.comment == "The practice's FHIR endpoint could not be reached."
    ehr_practice.refresh_from_db()
    assert ehr_practice.fhir_endpoint_status == EndpointStatus.ERROR
    assert not Practice.objects.receiving_referrals().filter(pk=ehr_practice.pk).exists()


def test_an_endpoint_that_keeps_answering_429_is_retried_then_given_up_and_the_referral_moves_on(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice, inbox_practice: Practice
) -> None:
    endpoint.failures = [429, 429, 429]
    referral = submit()
    row = bundle_row(referral, ehr_practice)
    for expected_status in ("pending", "pending", "failed"):
        attempt(row)
        assert bundle_row(referral, ehr_practice).status == expected_status

    assert len(endpoint.received) == 3
    referral.refresh_from_db()
    assert referral.practice == inbox_practice
    ehr_practice.refresh_from_db()
    assert ehr_practice.fhir_endpoint_status == EndpointStatus.ERROR


def test_an_endpoint_that_does_not_answer_in_time_is_tried_again_and_keeps_one_copy(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice
) -> None:
    endpoint.delay = 1.5  # it stores the Bundle, but only after the portal stopped waiting
    with override_settings(FHIR_ENDPOINT_TIMEOUT_SECONDS=0.5):
        referral = submit()
        row = bundle_row(referral, ehr_practice)
        attempt(row)
        assert bundle_row(referral, ehr_practice).status == Outbox.Status.PENDING
    endpoint.wait_until_idle()
    assert len(endpoint.stored_of("Task")) == 1  # the first Bundle arrived after all
    attempt(row)

    assert bundle_row(referral, ehr_practice).status == Outbox.Status.SENT
    assert len(endpoint.received) == 2
    assert len(endpoint.stored_of("Task")) == 1


def test_an_endpoint_that_is_down_past_the_grace_period_moves_the_referral_on_and_is_set_to_error(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice, inbox_practice: Practice
) -> None:
    endpoint.server.stop()  # nothing listens: every connection is refused
    try:
        referral = submit()
        row = bundle_row(referral, ehr_practice)
        attempt(row)
        assert bundle_row(referral, ehr_practice).status == Outbox.Status.PENDING
    finally:
        endpoint.server.start()  # the server is shared by the whole session

    assert delivery.referrals_move_on_undelivered(now=row.created_at + datetime.timedelta(minutes=31)) == 1
    referral.refresh_from_db()
    assert referral.practice == inbox_practice
    ehr_practice.refresh_from_db()
    assert ehr_practice.fhir_endpoint_status == EndpointStatus.ERROR


def test_a_cancelled_referral_updates_the_task_at_the_practice_by_its_identifier(
    submit: Any, clinician: Any, endpoint: PracticeEndpoint, ehr_practice: Practice
) -> None:
    referral = submit()
    attempt(bundle_row(referral, ehr_practice))
    services.referral_cancel(referral=referral, user=clinician, reason="The patient moved away.")
    attempt(bundle_row(referral, ehr_practice, event="cancelled"))

    task = entries_by_type(endpoint.received[-1])["Task"]
    assert task["request"] == {
        "method": "PUT",
        "url": f"Task?identifier=http://127.0.0.1:8000/fhir/sid/referral|{referral.public_id}",
    }
    [stored] = endpoint.stored_of("Task")
    assert stored["status"] == "cancelled"
    assert stored["statusReason"]["text"] == "The patient moved away."


def test_a_practice_whose_endpoint_is_off_and_has_no_inbox_gets_no_referral(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice, inbox_practice: Practice
) -> None:
    Practice.objects.filter(pk=ehr_practice.pk).update(fhir_endpoint_status=EndpointStatus.OFF)
    referral = submit()
    assert referral.practice == inbox_practice
    assert endpoint.received == []


def test_a_bundle_still_waiting_when_the_referral_moved_on_is_never_sent_to_the_practice_it_left(
    submit: Any, endpoint: PracticeEndpoint, ehr_practice: Practice, inbox_practice: Practice
) -> None:
    endpoint.failures = [503]
    referral = submit()
    row = bundle_row(referral, ehr_practice)
    attempt(row)  # the endpoint is busy: to be retried
    referral.acceptance_deadline = timezone.now() - datetime.timedelta(minutes=1)
    referral.save(update_fields=["acceptance_deadline"])
    assert services.referral_time_out(referral=referral)
    assert referral.practice == inbox_practice

    attempt(row)
    assert len(endpoint.received) == 1  # only the first, refused, attempt
    closed = bundle_row(referral, ehr_practice)
    assert closed.status == Outbox.Status.FAILED and "left this practice" in closed.last_error
    ehr_practice.refresh_from_db()
    assert ehr_practice.fhir_endpoint_status == EndpointStatus.ACTIVE


def test_an_endpoint_refusal_leaves_the_referral_with_a_practice_whose_inbox_still_gets_it(
    submit: Any, endpoint: PracticeEndpoint, inbox_practice: Practice
) -> None:
    both = practice_km_north(
        3, enrol=False, fhir_base_url=endpoint.base_url, fhir_endpoint_status=EndpointStatus.ACTIVE
    )
    both = enrolled(both)  # a referral inbox too
    endpoint.failures = [400]
    referral = submit()
    attempt(bundle_row(referral, both))

    referral.refresh_from_db()
    assert referral.practice == both  # its inbox notice is still on its way
    both.refresh_from_db()
    assert both.fhir_endpoint_status == EndpointStatus.ERROR
    attempt(Outbox.objects.get(referral=referral, practice=both, channel="email", event_kind="routed"))
    assert Outbox.objects.get(referral=referral, practice=both, channel="email").status == Outbox.Status.SENT
    referral.refresh_from_db()
    assert referral.practice == both and not referral.events.filter(kind="delivery_failed").exists()
