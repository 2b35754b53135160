"""/fhir/metadata declares exactly what the routes and the FilterSets serve."""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from fhir import urls
from fhir.capability import WRITES
from fhir.referral_registry import EXCHANGE_TYPES
from fhir.registry import RESOURCE_TYPES
from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.fhir.conftest import FhirGet

pytestmark = pytest.mark.django_db

# A valid value for each declared parameter type, so every declared parameter can be tried.
SAMPLE_VALUES = {
    "token": "x",
    "string": "a",
    "reference": "1",
    "date": "ge2020-01-01",
    "special": "39.7|-104.9|10|mi",
    "number": "1",
}


def declared(fhir_get: FhirGet) -> dict[str, dict]:
    status, statement = fhir_get("/fhir/metadata")
    assert status == 200
    assert statement["fhirVersion"] == "4.0.1"
    return {resource["type"]: resource for resource in statement["rest"][0]["resource"]}


def _named_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(resource type, interaction, the HTTP methods its view takes) for every named route."""
    routes = []
    for pattern in urls.urlpatterns:
        if isinstance(pattern, URLPattern) and pattern.name and "-" in pattern.name:
            interaction, _, resource_type = pattern.name.partition("-")
            routes.append(
                (resource_type, interaction, tuple(getattr(pattern.callback, "allowed_methods", ())))
            )
    return routes


def test_every_route_is_declared_and_every_declared_resource_is_routed(fhir_get: FhirGet) -> None:
    named = _named_routes()
    routed = {(resource_type, interaction) for resource_type, interaction, _ in named}
    # A route whose view also takes PUT, PATCH or POST serves the write interaction too.
    routed |= {
        (resource_type, WRITES[interaction, method])
        for resource_type, interaction, methods in named
        for method in methods
        if (interaction, method) in WRITES
    }

    statement = {
        (resource_type, "search" if item["code"] == "search-type" else item["code"])
        for resource_type, resource in declared(fhir_get).items()
        for item in resource["interaction"]
    }

    assert statement == routed
    assert {resource_type for resource_type, _ in statement} == set(RESOURCE_TYPES) | set(EXCHANGE_TYPES)


def test_every_declared_search_parameter_is_accepted_and_any_other_refused(fhir_get: FhirGet) -> None:
    PracticeLocationFactory()
    ProviderFactory()

    for resource_type, resource in declared(fhir_get).items():
        if resource_type in EXCHANGE_TYPES:
            continue  # these need a token (tests/fhir/test_exchange_reads.py)
        for param in resource["searchParam"]:
            status, body = fhir_get(f"/fhir/{resource_type}", {param["name"]: SAMPLE_VALUES[param["type"]]})
            assert (status, body["resourceType"]) == (200, "Bundle"), (resource_type, param, body)
        status, body = fhir_get(f"/fhir/{resource_type}", {"not-declared": "1"})
        assert status == 400


def test_the_declared_parameters_are_the_filtersets_with_the_projects_own_marked(fhir_get: FhirGet) -> None:
    statement = declared(fhir_get)

    for name, resource in RESOURCE_TYPES.items():
        params = {param["name"] for param in statement[name]["searchParam"]}
        filters = set(resource.search.base_filters) if resource.search else set()
        assert params == filters | {"_count", "_page"}
    role_params = {param["name"]: param for param in statement["PractitionerRole"]["searchParam"]}
    assert role_params["procedure"]["definition"].endswith("/fhir/SearchParameter/PractitionerRole-procedure")
    assert role_params["condition"]["definition"].endswith("/fhir/SearchParameter/PractitionerRole-condition")
    assert "definition" not in role_params["specialty"]
    assert set(statement["PractitionerRole"]["searchInclude"]) == {
        "PractitionerRole:practitioner",
        "PractitionerRole:location",
        "PractitionerRole:organization",
    }
