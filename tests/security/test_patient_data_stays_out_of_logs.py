"""A whole referral journey leaves the patient's name and birth date out of every log line and URL."""

from __future__ import annotations

import datetime
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from directory.models import Practice
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import StaffFactory, UserFactory
from tests.triage.factories import answers_with

pytestmark = pytest.mark.django_db

FIRST_NAME, LAST_NAME = "Philippa", "Quennell-Abernathy"
BIRTH_DATE = datetime.date(1961, 2, 23)
PASSWORD = "tidal-quartz-lantern-81"
# Every way the journey could spell the patient: names in any case, the birth date as ISO,
# US and long forms.
PATIENT_TRACES = [
    FIRST_NAME,
    LAST_NAME,
    BIRTH_DATE.isoformat(),
    BIRTH_DATE.strftime("%m/%d/%Y"),
    BIRTH_DATE.strftime("%B %d, %Y"),
    BIRTH_DATE.strftime("%b. %d, %Y"),
    "1961%2F02%2F23",
]


class Recorder(logging.Handler):
    """Keeps every formatted record, traceback included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def every_log_line() -> Iterator[list[str]]:
    """Every record of every logger at DEBUG, whatever level or propagation it was set to."""
    recorder = Recorder()
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level, logger.propagate, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
        logger.disabled = False
    logging.getLogger().addHandler(recorder)
    yield recorder.lines
    logging.getLogger().removeHandler(recorder)
    for logger, level, propagate, disabled in saved:
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


class JourneyClient(Client):
    """A test client that remembers every address it asked for or was sent to."""

    def __init__(self) -> None:
        super().__init__(raise_request_exception=False)
        self.addresses: list[str] = []

    def request(self, **request: Any) -> Any:
        self.addresses.append(f"{request['PATH_INFO']}?{request.get('QUERY_STRING', '')}")
        response = super().request(**request)
        self.addresses.append(response.get("Location", ""))
        self.addresses.extend(addresses_in(response))
        return response


def addresses_in(response: Any) -> list[str]:
    """Links, form targets and API links a response hands to the browser or the API client."""
    if not hasattr(response, "content"):
        return []
    body = response.content.decode(errors="replace")
    found = re.findall(r'(?:href|action|src)="([^"]*)"', body)
    if response.get("Content-Type", "").startswith("application/json") and body:
        found += re.findall(r'"(https?://[^"]*|/[^"]*)"', json.dumps(json.loads(body)))
    return found


def sign_in(username: str, *, staff: bool = False, practice: Practice | None = None) -> JourneyClient:
    factory = StaffFactory if staff else UserFactory
    user = factory.create(username=username, **({"practice": practice} if staff else {}))
    user.set_password(PASSWORD)
    user.save()
    client = JourneyClient()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the login page should accept the password"
    return client


def referral_body() -> dict[str, Any]:
    return {
        "patient": {
            "first_name": FIRST_NAME,
            "last_name": LAST_NAME,
            "birth_date": BIRTH_DATE.isoformat(),
            "sex": "female",
            "phone": "555-0199",
            "postal_code": "80202",
        },
        "triage": {"pain_duration_weeks": 8, "answers": answers_with("leg_weakness")},
        "requested_procedure": "epidural-steroid-injection",
        "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
        "pain_score": 7,
    }


def api_post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_referral_journey_keeps_the_patient_out_of_logs_and_addresses(every_log_line: list[str]) -> None:
    practice = practice_km_north(5, name="Lakeside Spine and Vascular")
    clinician = sign_in("dr.adams")
    staff = sign_in("staff.lakeside", staff=True, practice=practice)
    superuser = sign_in("root", staff=True)
    superuser_user = UserFactory._meta.model.objects.get(username="root")
    superuser_user.is_superuser = True
    superuser_user.save()
    journeys = [clinician, staff, superuser]

    bad = api_post(
        clinician, "/api/v1/referrals/", referral_body() | {"pain_score": 11}, idempotency_key="k0"
    )
    submitted = api_post(clinician, "/api/v1/referrals/", referral_body(), idempotency_key="k1")
    assert (bad.status_code, submitted.status_code) == (400, 201), submitted.content
    referral = f"/api/v1/referrals/{submitted.json()['id']}/"
    for page in ["/api/v1/referrals/", referral, f"{referral}actions/", "/referrals/"]:
        clinician.get(page)

    assert api_post(staff, f"{referral}actions/accept/", {}).status_code == 200
    starts_at = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)).replace(microsecond=0)
    booked = api_post(
        staff, f"{referral}actions/schedule/", {"kind": "consult", "starts_at": starts_at.isoformat()}
    )
    assert booked.status_code == 200, booked.content
    appointment = booked.json()["appointments"][0]["id"]
    no_show = api_post(
        staff, f"{referral}actions/record_visit/", {"appointment": appointment, "status": "no_show"}
    )
    assert no_show.status_code == 200, no_show.content
    api_post(staff, f"{referral}actions/accept/", {})  # a 409: already accepted
    for page in [referral, "/admin/", "/admin/referrals/referral/", "/admin/referrals/followup/"]:
        staff.get(page)
    superuser.get("/admin/referrals/referral/")
    superuser.get(f"/admin/referrals/referral/?q={submitted.json()['id']}")
    clinician.get(referral)

    logs = "\n".join(every_log_line)
    addresses = "\n".join(address for journey in journeys for address in journey.addresses)
    assert "Bad Request: /api/v1/referrals/" in logs, "the journey's logs should have been captured"
    assert referral in addresses, "the journey's addresses should have been recorded"
    for trace in PATIENT_TRACES:
        assert trace.lower() not in logs.lower(), f"{trace!r} was logged"
        assert trace.lower() not in addresses.lower(), f"{trace!r} was in an address"
