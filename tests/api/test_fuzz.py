"""Schemathesis drives every API operation, as every role, straight from the published schema.

Each role sends schema-valid and deliberately invalid requests. The portal must never answer
with a 5xx, and every answer must match what the schema promises (status code, content type,
body). Bounded so the whole run stays well under two minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS as SCHEMATHESIS_CHECKS

from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.referrals.factories import StaffFactory, UserFactory

# Every check schemathesis has ("--checks all"): no 5xx, and no answer the schema does not promise.
# (Some are classes the stub's list type does not name; call_and_validate runs them all.)
CHECKS: Any = SCHEMATHESIS_CHECKS.get_all()
ROLES = ["anonymous", "clinician", "office_staff", "superuser"]


# pytest-django has set Django up before collection, so the schema can be read in-process now.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


def role_user(role: str) -> Any:
    if role == "clinician":
        return UserFactory.create(username="dr.adams")
    if role == "office_staff":
        return StaffFactory.create(username="staff.lakeside")
    return UserFactory.create(username="root", is_staff=True, is_superuser=True)


def auth_headers(role: str) -> dict[str, str]:
    """Authorization headers of one role (none for anonymous)."""
    if role == "anonymous":
        return {}
    token, _ = Token.objects.get_or_create(user=role_user(role))
    return {"Authorization": f"Token {token.key}"}


@pytest.fixture(autouse=True)
def test_transaction_survives_requests() -> Iterator[None]:
    """Keeps the test's database connection open across in-process requests.

    Django closes connections when a request ends; Django's test client switches that off,
    and the WSGI transport here must too, or PostgreSQL loses the test transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def scene(db: None, settings: Any) -> None:
    """A provider near 80202 to find, and rate limits the fuzzer never reaches."""
    settings.PUBLIC_RATE_LIMITS = dict.fromkeys(settings.PUBLIC_RATE_LIMITS, "100000/m")
    ProviderFactory.create(locations=[PracticeLocationFactory.create(postal_code="80202")])


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_every_request_without_a_5xx_and_as_the_schema_says(
    case: schemathesis.Case, role: str
) -> None:
    case.call_and_validate(headers=auth_headers(role), checks=CHECKS)
