"""Each directory resource read by id says what the directory says, as valid FHIR R4 (docs/fhir.md)."""

from __future__ import annotations

import pytest

from directory.models import Condition, Procedure
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.fhir.conftest import FhirGet

pytestmark = pytest.mark.django_db

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NEW_PATIENTS = "http://hl7.org/fhir/us/davinci-pdex-plan-net/StructureDefinition/newpatients"


@pytest.fixture
def listing():
    practice = PracticeFactory(
        name="Front Range IR", phone="303-555-0100", website="https://frontrange.example"
    )
    location = PracticeLocationFactory(
        practice=practice,
        address_line1="1 Spine Way",
        city="Denver",
        state="CO",
        postal_code="80202",
        phone="",
    )
    provider = ProviderFactory(
        npi="1234567893",
        first_name="Maria",
        last_name="Lopez",
        credential="MD",
        sex="F",
        locations=[location],
        procedures=["vertebroplasty-kyphoplasty"],
        conditions=["vertebral-compression-fracture"],
        languages=["en", "es"],
    )
    return practice, location, provider


def accepting_code(resource) -> str:
    (extension,) = [item for item in resource["extension"] if item["url"] == NEW_PATIENTS]
    return extension["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]


def test_a_practitioner_has_their_npi_name_gender_credential_and_languages(
    fhir_get: FhirGet, listing
) -> None:
    status, practitioner = fhir_get("/fhir/Practitioner/1234567893")

    assert status == 200
    assert practitioner["identifier"] == [{"use": "official", "system": NPI_SYSTEM, "value": "1234567893"}]
    assert practitioner["name"][0] == {
        "use": "official",
        "family": "Lopez",
        "given": ["Maria"],
        "suffix": ["MD"],
    }
    assert practitioner["gender"] == "female"
    assert practitioner["qualification"] == [{"code": {"text": "MD"}}]
    assert [item["coding"][0]["code"] for item in practitioner["communication"]] == ["en", "es"]
    assert "lastUpdated" in practitioner["meta"]


def test_a_practitioner_role_links_practitioner_organization_location_specialty_and_catalog(
    fhir_get: FhirGet, listing
) -> None:
    practice, location, _ = listing

    status, role = fhir_get("/fhir/PractitionerRole/1234567893")

    assert status == 200
    assert role["practitioner"]["reference"] == "Practitioner/1234567893"
    assert role["organization"]["reference"] == f"Organization/{practice.pk}"
    assert role["location"] == [{"reference": f"Location/{location.pk}"}]
    assert role["specialty"][0]["coding"][0]["code"] == "2085R0204X"
    codes = {item["valueCodeableConcept"]["coding"][0]["code"] for item in role["extension"][1:]}
    assert codes == {"vertebroplasty-kyphoplasty", "vertebral-compression-fracture"}
    assert accepting_code(role) == "newpt"


def test_a_location_has_its_address_position_organization_and_the_practice_phone(
    fhir_get: FhirGet, listing
) -> None:
    practice, location, provider = listing
    location.mark_verified()
    location.save()
    provider.accepting_new_patients = False
    provider.save()

    status, found = fhir_get(f"/fhir/Location/{location.pk}")

    assert status == 200
    assert found["address"]["line"] == ["1 Spine Way"]
    assert (found["address"]["city"], found["address"]["state"], found["address"]["postalCode"]) == (
        "Denver",
        "CO",
        "80202",
    )
    assert found["position"] == {"latitude": location.latitude, "longitude": location.longitude}
    assert found["managingOrganization"]["reference"] == f"Organization/{practice.pk}"
    assert found["telecom"] == [{"system": "phone", "value": "303-555-0100", "use": "work"}]
    assert found["meta"]["lastUpdated"].startswith(location.last_verified_at.date().isoformat())
    assert accepting_code(found) == "nopt"


def test_an_organization_has_its_name_phone_website_and_addresses(fhir_get: FhirGet, listing) -> None:
    practice, _, _ = listing

    status, found = fhir_get(f"/fhir/Organization/{practice.pk}")

    assert status == 200
    assert found["name"] == "Front Range IR"
    assert {item["value"] for item in found["telecom"]} == {"303-555-0100", "https://frontrange.example"}
    assert [address["city"] for address in found["address"]] == ["Denver"]


def test_a_healthcare_service_lists_the_procedures_offered_at_a_location(fhir_get: FhirGet, listing) -> None:
    practice, location, _ = listing
    ProviderFactory(locations=[location], procedures=["facet-joint-injection"])
    ProviderFactory(locations=[location], procedures=["spinal-cord-stimulation"], is_listed=False)

    status, service = fhir_get(f"/fhir/HealthcareService/{location.pk}")

    assert status == 200
    assert service["providedBy"]["reference"] == f"Organization/{practice.pk}"
    assert service["location"] == [{"reference": f"Location/{location.pk}"}]
    assert [item["coding"][0]["code"] for item in service["type"]] == [
        "facet-joint-injection",
        "vertebroplasty-kyphoplasty",
    ]


@pytest.mark.parametrize("kind", ["procedure", "condition"])
def test_the_catalog_is_a_code_system_and_a_value_set_whose_codes_are_the_slugs(
    fhir_get: FhirGet, kind: str
) -> None:
    _, code_system = fhir_get(f"/fhir/CodeSystem/{kind}")
    _, value_set = fhir_get(f"/fhir/ValueSet/{kind}")

    model = Procedure if kind == "procedure" else Condition
    slugs = {concept["code"] for concept in code_system["concept"]}
    assert slugs == set(model.objects.values_list("slug", flat=True))
    assert code_system["count"] == len(slugs)
    assert value_set["compose"]["include"] == [{"system": code_system["url"]}]


def test_a_practice_with_a_fhir_endpoint_shows_it_and_its_status_through_its_organization(
    fhir_get: FhirGet, listing
) -> None:
    practice, _, _ = listing
    practice.fhir_base_url = "https://ehr.frontrange.example/fhir"
    practice.fhir_endpoint_status = "active"
    practice.save()
    without = PracticeFactory.create()

    _, organization = fhir_get(f"/fhir/Organization/{practice.pk}")
    status, endpoint = fhir_get(f"/fhir/Endpoint/{practice.pk}")
    _, by_status = fhir_get("/fhir/Endpoint", {"status": "active"})
    _, off = fhir_get("/fhir/Endpoint", {"status": "off"})

    assert organization["endpoint"] == [{"reference": f"Endpoint/{practice.pk}"}]
    assert status == 200
    assert (endpoint["address"], endpoint["status"]) == ("https://ehr.frontrange.example/fhir", "active")
    assert endpoint["managingOrganization"]["reference"] == f"Organization/{practice.pk}"
    assert [entry["resource"]["id"] for entry in by_status["entry"]] == [str(practice.pk)]
    assert off["total"] == 0
    assert fhir_get(f"/fhir/Endpoint/{without.pk}")[0] == 404
    assert "endpoint" not in fhir_get(f"/fhir/Organization/{without.pk}")[1]


def test_an_unlisted_provider_is_not_found(fhir_get: FhirGet) -> None:
    ProviderFactory(npi="1234567893", is_listed=False)

    for path in ("/fhir/Practitioner/1234567893", "/fhir/PractitionerRole/1234567893"):
        status, outcome = fhir_get(path)
        assert (status, outcome["issue"][0]["code"]) == (404, "not-found")
