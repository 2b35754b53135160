"""Bad input is a 400 OperationOutcome naming the parameter; an unknown id a 404; never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.directory.factories import ProviderFactory
from tests.fhir.conftest import FHIR_JSON, FhirGet, validated

pytestmark = pytest.mark.django_db

BAD_SEARCHES = [
    ("/fhir/Location?near=39.7|-104.9", "near"),
    ("/fhir/Location?near=91|-104.9|10|km", "near"),
    ("/fhir/Location?near=39.7|-181|10|km", "near"),
    ("/fhir/Location?near=39.7|-104.9|0|mi", "near"),
    ("/fhir/Location?near=39.7|-104.9|251|mi", "near"),
    ("/fhir/Location?near=39.7|-104.9|403|km", "near"),
    ("/fhir/Location?near=39.7|-104.9|10|parsecs", "near"),
    ("/fhir/Location?near=north|-104.9|10|km", "near"),
    ("/fhir/PractitionerRole?location.near=39.7|-104.9", "location.near"),
    ("/fhir/PractitionerRole?location.near=NaN|1|1|km", "location.near"),
    ("/fhir/Practitioner?_count=0", "_count"),
    ("/fhir/Practitioner?_count=abc", "_count"),
    ("/fhir/Practitioner?_count=101", "_count"),
    ("/fhir/Practitioner?_page=-1", "_page"),
    ("/fhir/Practitioner?_lastUpdated=yesterday", "_lastUpdated"),
    ("/fhir/Practitioner?_lastUpdated=ge2026-13-45", "_lastUpdated"),
    ("/fhir/Practitioner?_lastUpdated=gt2026-01-01T10:00:00", "_lastUpdated"),
    ("/fhir/Practitioner?unknown=1", "unknown"),
    ("/fhir/Practitioner?name:exact=Lopez", "name:exact"),
    ("/fhir/Practitioner?near=39.7|-104.9|10|km", "near"),
    ("/fhir/Practitioner?name=a&name=b", "name"),
    ("/fhir/Practitioner?name=", "name"),
    ("/fhir/Practitioner?name=a%00b", "name"),
    ("/fhir/Practitioner?_include=PractitionerRole:practitioner", "_include"),
    ("/fhir/PractitionerRole?_include=PractitionerRole:endpoint", "_include"),
    ("/fhir/PractitionerRole?organization=Organization/abc", "organization"),
    ("/fhir/Location?organization=Practitioner/1", "organization"),
    ("/fhir/CodeSystem?url=x", "url"),
    ("/fhir/Practitioner?_format=xml", "_format"),
]


@pytest.mark.parametrize(("path", "parameter"), BAD_SEARCHES)
def test_a_bad_search_is_a_400_operation_outcome_naming_the_parameter(
    fhir_get: FhirGet, path: str, parameter: str
) -> None:
    status, outcome = fhir_get(path)

    assert status == 400
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error"
    assert issue["expression"] == [parameter]
    assert issue["diagnostics"].startswith(f"{parameter}: ")


@pytest.mark.parametrize(
    "path", ["/fhir/Practitioner/abc%00", "/fhir/Location/%00", "/fhir/Practitioner/" + "9" * 65]
)
def test_an_id_that_is_not_a_fhir_id_is_a_400_naming_the_id(fhir_get: FhirGet, path: str) -> None:
    status, outcome = fhir_get(path)

    assert (status, outcome["issue"][0]["expression"]) == (400, ["id"])


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Practitioner/1234567893",
        "/fhir/PractitionerRole/nobody",
        "/fhir/Organization/999999999999999999",
        "/fhir/Location/12.5",
        "/fhir/HealthcareService/0",
        "/fhir/CodeSystem/language",
        "/fhir/ValueSet/x",
    ],
)
def test_an_unknown_id_is_a_404_operation_outcome(fhir_get: FhirGet, path: str) -> None:
    ProviderFactory()

    status, outcome = fhir_get(path)

    assert (status, outcome["issue"][0]["code"]) == (404, "not-found")


def test_an_unknown_resource_type_is_a_404_saying_it_is_not_served(fhir_get: FhirGet) -> None:
    for path in (
        "/fhir/Observation",
        "/fhir/Observation/1",
        "/fhir/Practitioner/",
        "/fhir/Practitioner/1/_history",
    ):
        status, outcome = fhir_get(path)
        assert (status, outcome["issue"][0]["code"]) == (404, "not-supported")


def test_the_directory_cannot_be_written(client: Client) -> None:
    provider = ProviderFactory()

    response = client.post("/fhir/Practitioner", {}, content_type=FHIR_JSON)
    delete = client.delete(f"/fhir/Practitioner/{provider.npi}")

    assert (response.status_code, delete.status_code) == (405, 405)
    assert validated(response.json())["issue"][0]["code"] == "not-supported"
    assert client.get(f"/fhir/Practitioner/{provider.npi}").status_code == 200
