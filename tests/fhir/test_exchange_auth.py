"""Who may call the FHIR referral exchange: OAuth 2.0 client credentials, scopes, expiry, revocation."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from directory.enrolment import PracticeMembership
from fhir.clients import Credentials
from referrals.models import AuditLogEntry
from tests.directory.factories import PracticeFactory
from tests.fhir.exchange import basic_auth, clinician_token, fhir_call, token_for
from tests.referrals.factories import ReferralFactory, UserFactory

pytestmark = pytest.mark.django_db


def _create_client(*args: str) -> dict[str, str]:
    out = StringIO()
    call_command("fhir_client", "create", *args, stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)


def test_a_clinicians_client_gets_a_token_that_lasts_an_hour_and_reads_that_clinicians_task(
    client: Client,
) -> None:
    referral = ReferralFactory.create(clinician=UserFactory.create(username="dr.adams"))
    printed = _create_client("--clinician", "dr.adams")
    response = client.post(
        "/o/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic_auth_of(printed),
    )

    assert response.status_code == 200
    assert response.json()["expires_in"] == 3600
    status, task = fhir_call(
        client, "GET", f"/fhir/Task/{referral.public_id}", response.json()["access_token"]
    )
    assert status == 200
    assert task["id"] == str(referral.public_id)


def basic_auth_of(printed: dict[str, str]) -> str:
    return basic_auth(Credentials(printed["client_id"], printed["client_secret"], None))


def test_a_practice_client_acts_as_an_active_staff_member_of_that_practice_and_is_reused(
    client: Client,
) -> None:
    practice = PracticeFactory.create()
    first = _create_client("--practice", str(practice.pk))
    second = _create_client("--practice", str(practice.pk))

    assert first["acts as"] == second["acts as"]
    assert first["client_id"] != second["client_id"]
    membership = PracticeMembership.objects.get(practice=practice)
    assert membership.user.username == first["acts as"] and membership.user.is_active


def test_a_call_without_a_token_is_a_401_operation_outcome_naming_the_token_endpoint(client: Client) -> None:
    referral = ReferralFactory.create()

    status, outcome = fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", None)

    assert status == 401
    assert "/o/token/" in outcome["issue"][0]["diagnostics"]


def test_an_expired_token_is_a_401(client: Client) -> None:
    referral = ReferralFactory.create(clinician=UserFactory.create(username="dr.adams"))
    token = clinician_token(client, "dr.adams")
    AccessToken.objects.filter(token_checksum__isnull=False).update(
        expires=timezone.now() - datetime.timedelta(seconds=1)
    )

    status, outcome = fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)

    assert status == 401
    assert "expired" in outcome["issue"][0]["diagnostics"]


def test_a_revoked_client_is_refused_with_a_401_on_its_next_call(client: Client) -> None:
    referral = ReferralFactory.create(clinician=UserFactory.create(username="dr.adams"))
    printed = _create_client("--clinician", "dr.adams")
    token = token_for(client, Credentials(printed["client_id"], printed["client_secret"], None))
    assert fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)[0] == 200

    call_command("fhir_client", "revoke", printed["client_id"], stdout=StringIO())

    assert fhir_call(client, "GET", f"/fhir/Task/{referral.public_id}", token)[0] == 401


def test_every_read_is_written_to_the_audit_log_with_the_client_user(client: Client) -> None:
    clinician = UserFactory.create(username="dr.adams")
    referral = ReferralFactory.create(clinician=clinician)
    token = clinician_token(client, "dr.adams")

    fhir_call(client, "GET", f"/fhir/ServiceRequest/{referral.public_id}", token)
    fhir_call(client, "GET", "/fhir/Task", token, focus=f"ServiceRequest/{referral.public_id}")

    entries = AuditLogEntry.objects.filter(object_id=str(referral.public_id), action="read")
    assert [entry.actor for entry in entries] == [clinician, clinician]


def test_the_public_directory_still_needs_no_token(client: Client) -> None:
    response = client.get("/fhir/Questionnaire/low-back-pain-red-flags")

    assert response.status_code == 200
