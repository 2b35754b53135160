"""An IR practice's FHIR server, played by a loopback HTTP server (pytest-httpserver).

It takes transaction Bundles the way a FHIR server does: a conditional create
(``ifNoneExist``) finds the copy an earlier Bundle made instead of making a second one, a
conditional update (``PUT Type?identifier=...``) replaces it. Tests can make it answer an
error, after storing (the nasty case: it kept the Bundle but the portal never heard so) or
before.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from directory.enrolment import EndpointStatus
from directory.models import Practice
from directory.services import practice_enrol
from tests.fhir.conftest import FHIR_JSON, validated
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import StaffFactory

PATH = "/fhir"


@dataclass
class PracticeEndpoint:
    server: HTTPServer
    received: list[dict[str, Any]] = field(default_factory=list)
    stored: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Statuses to answer the next requests with, in order; then 200 again.
    failures: list[int] = field(default_factory=list)
    fail_after_storing: bool = False
    # Seconds to wait before answering the next request (once).
    delay: float = 0.0

    @property
    def base_url(self) -> str:
        return self.server.url_for(PATH)

    def stored_of(self, resource_type: str) -> list[dict[str, Any]]:
        return [resource for (kind, _), resource in self.stored.items() if kind == resource_type]

    def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Return once the server has answered every request it received (it answers one at a time)."""
        give_up_at = time.monotonic() + timeout
        while len(self.server.log) < len(self.received) and time.monotonic() < give_up_at:
            time.sleep(0.05)

    def answer(self, request: Request) -> Response:
        bundle = json.loads(request.get_data())
        self.received.append(bundle)
        time.sleep(self.delay)
        self.delay = 0.0
        status = self.failures.pop(0) if self.failures else 200
        if status != 200 and not self.fail_after_storing:
            return _outcome(status)
        entries = [self._apply(entry) for entry in validated(bundle)["entry"]]
        if status != 200:
            return _outcome(status)
        answer = {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
        return Response(json.dumps(answer), status=200, content_type=FHIR_JSON)

    def _apply(self, entry: dict[str, Any]) -> dict[str, Any]:
        resource, request = entry["resource"], entry["request"]
        kind = resource["resourceType"]
        query = request.get("ifNoneExist") or request["url"].partition("?")[2]
        key = (kind, query.removeprefix("identifier="))
        if request["method"] == "POST" and key in self.stored:
            return {"response": {"status": "200 OK"}}
        self.stored[key] = resource
        return {"response": {"status": "201 Created", "location": f"{kind}/{len(self.stored)}"}}


def _outcome(status: int) -> Response:
    issue = {"severity": "error", "code": "exception", "diagnostics": f"answered {status} on purpose"}
    body = {"resourceType": "OperationOutcome", "issue": [issue]}
    return Response(json.dumps(body), status=status, content_type=FHIR_JSON)


def practice_endpoint(server: HTTPServer) -> PracticeEndpoint:
    endpoint = PracticeEndpoint(server)
    server.expect_request(PATH, method="POST").respond_with_handler(endpoint.answer)
    return endpoint


def fhir_practice(km: float, base_url: str, *, name: str = "Front Range IR") -> Practice:
    """A practice ``km`` north of the patients, reached through its FHIR endpoint alone, enrolled."""
    practice = practice_km_north(
        km, enrol=False, name=name, fhir_base_url=base_url, fhir_endpoint_status=EndpointStatus.ACTIVE
    )
    StaffFactory.create(practice=practice)
    return practice_enrol(practice=practice)
