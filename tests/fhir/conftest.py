"""Reading /fhir/ as a client does: every body must be valid FHIR R4 (fhir.resources R4B models)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

# The referral tests' clinician and practices, shared by the exchange tests.
from tests.referrals.conftest import clinician, far_practice, near_practice  # noqa: F401

FHIR_JSON = "application/fhir+json"


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource``, after parsing it (and each Bundle entry's resource) with its R4B model."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for entry in resource.get("entry", []):
        validated(entry["resource"])
    return resource


FhirGet = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def fhir_get(client: Client) -> FhirGet:
    """GET a /fhir/ path: (status, the validated body); the body is always FHIR JSON."""

    def get(path: str, params: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        response = client.get(path, params or {})
        assert response["Content-Type"] == FHIR_JSON, (path, response.status_code, response.content[:200])
        return response.status_code, validated(response.json())

    return get


def resources(bundle: dict[str, Any], mode: str = "match") -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"] if entry["search"]["mode"] == mode]


def ids(bundle: dict[str, Any], mode: str = "match") -> list[str]:
    return [resource["id"] for resource in resources(bundle, mode)]
