"""FHIR responses: resources as ``application/fhir+json``, and every error as an OperationOutcome."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


class FhirError(Exception):
    """A request the server refuses: ``status``, an issue ``code``, what to fix, and where.

    ``parameter`` names the search parameter (or ``id``) at fault; it goes into
    ``issue.expression`` and leads ``issue.diagnostics``.
    """

    def __init__(
        self, message: str, *, parameter: str | None = None, status: int = 400, code: str = "invalid"
    ):
        super().__init__(message)
        self.message = message
        self.parameter = parameter
        self.status = status
        self.code = code

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.message, parameter=self.parameter, code=self.code)


def operation_outcome(message: str, *, parameter: str | None = None, code: str = "invalid") -> dict[str, Any]:
    """An OperationOutcome with one error issue."""
    issue: dict[str, Any] = {
        "severity": "error",
        "code": code,
        "diagnostics": f"{parameter}: {message}" if parameter else message,
    }
    if parameter:
        issue["expression"] = [parameter]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def fhir_response(resource: dict[str, Any], status: int = 200) -> HttpResponse:
    """``resource`` as FHIR JSON."""
    body = json.dumps(resource, cls=DjangoJSONEncoder, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type=FHIR_JSON)


def error_response(error: FhirError) -> HttpResponse:
    return fhir_response(error.outcome(), status=error.status)
