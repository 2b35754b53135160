"""Directory rows as FHIR R4 resources (Plan-Net aligned; departures are listed in docs/fhir.md).

Pure functions of rows the selectors read (``fhir.queries``), no queries of their own.
"""

from __future__ import annotations

from typing import Any

from directory.models import Practice, PracticeLocation, Provider
from fhir.catalog import catalog_concept, catalog_extension

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
# Vascular & Interventional Radiology: the taxonomy every directory provider is imported by.
IR_TAXONOMY = {"system": NUCC_SYSTEM, "code": "2085R0204X", "display": "Vascular & Interventional Radiology"}
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
HL7_TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
PLAN_NET = "http://hl7.org/fhir/us/davinci-pdex-plan-net"
NEW_PATIENTS = f"{PLAN_NET}/StructureDefinition/newpatients"
ACCEPTING_PATIENTS_SYSTEM = f"{PLAN_NET}/CodeSystem/AcceptingPatientsCS"
LOCATION_DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"
GENDERS: dict[str, str] = {
    Provider.Sex.FEMALE: "female",
    Provider.Sex.MALE: "male",
    Provider.Sex.UNKNOWN: "unknown",
}


def reference(resource_type: str, resource_id: Any, display: str = "") -> dict[str, str]:
    found = {"reference": f"{resource_type}/{resource_id}"}
    return found | {"display": display} if display else found


def _meta(last_updated: Any) -> dict[str, Any]:
    return {"meta": {"lastUpdated": last_updated}} if last_updated else {}


def new_patients(accepting: bool) -> dict[str, Any]:
    """Plan-Net's new-patients extension: accepting (``newpt``) or not (``nopt``)."""
    code, display = ("newpt", "Accepting") if accepting else ("nopt", "Not accepting")
    concept = {"coding": [{"system": ACCEPTING_PATIENTS_SYSTEM, "code": code, "display": display}]}
    return {
        "url": NEW_PATIENTS,
        "extension": [{"url": "acceptingPatients", "valueCodeableConcept": concept}],
    }


def practitioner(provider: Provider) -> dict[str, Any]:
    """A listed provider; ``provider.languages`` prefetched."""
    name: dict[str, Any] = {"use": "official", "family": provider.last_name}
    given = [part for part in (provider.first_name, provider.middle_name) if part]
    if given:
        name["given"] = given
    if provider.credential:
        name["suffix"] = [provider.credential]
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "id": provider.npi,
        **_meta(provider.updated_at),
        "identifier": [{"use": "official", "system": NPI_SYSTEM, "value": provider.npi}],
        "active": True,
        "name": [name],
        "gender": GENDERS.get(provider.sex, "unknown"),
    }
    if provider.credential:
        resource["qualification"] = [{"code": {"text": provider.credential}}]
    languages = [
        {"coding": [{"system": LANGUAGE_SYSTEM, "code": language.code, "display": language.name}]}
        for language in provider.languages.all()
    ]
    if languages:
        resource["communication"] = languages
    return resource


def practitioner_role(provider: Any, locations: list[PracticeLocation]) -> dict[str, Any]:
    """A provider's role: ``locations`` first the one that counts (the nearest, in a near search).

    ``provider.offered_procedures`` and ``provider.treated_conditions`` attached
    (``directory.selectors.attach_catalog_entries``), shown as the project's extensions
    (``fhir.catalog``); the organization is the first location's practice.
    """
    resource: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": provider.npi,
        **_meta(provider.updated_at),
        "extension": [
            new_patients(provider.accepting_new_patients),
            *(catalog_extension("procedure", entry) for entry in provider.offered_procedures),
            *(catalog_extension("condition", entry) for entry in provider.treated_conditions),
        ],
        "active": True,
        "practitioner": reference("Practitioner", provider.npi, provider.display_name),
        "specialty": [{"coding": [IR_TAXONOMY]}],
    }
    if locations:
        practice = locations[0].practice
        resource["organization"] = reference("Organization", practice.pk, practice.name)
        resource["location"] = [reference("Location", location.pk) for location in locations]
    return resource


def _address(location: PracticeLocation) -> dict[str, Any]:
    lines = [line for line in (location.address_line1, location.address_line2) if line]
    return {
        "use": "work",
        "type": "physical",
        "line": lines,
        "city": location.city,
        "state": location.state,
        "postalCode": location.postal_code,
        "country": "US",
    }


def _phone(number: str) -> list[dict[str, str]]:
    return [{"system": "phone", "value": number, "use": "work"}] if number else []


def organization(practice: Practice, locations: list[PracticeLocation]) -> dict[str, Any]:
    """A practice with the addresses of its ``locations``."""
    telecom = _phone(practice.phone)
    if practice.website:
        telecom.append({"system": "url", "value": practice.website, "use": "work"})
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": str(practice.pk),
        **_meta(practice.updated_at),
        "active": True,
        "type": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov"}
                ]
            }
        ],
        "name": practice.name,
    }
    if telecom:
        resource["telecom"] = telecom
    if locations:
        resource["address"] = [_address(location) for location in locations]
    if practice.fhir_base_url:
        resource["endpoint"] = [reference("Endpoint", practice.pk)]
    return resource


def endpoint(practice: Practice) -> dict[str, Any]:
    """The practice's FHIR endpoint receiving referrals; its status is the practice's own."""
    return {
        "resourceType": "Endpoint",
        "id": str(practice.pk),
        **_meta(practice.updated_at),
        "status": practice.fhir_endpoint_status,  # active, off or error: FHIR's own codes
        "connectionType": {"system": f"{HL7_TERMINOLOGY}/endpoint-connection-type", "code": "hl7-fhir-rest"},
        "name": f"{practice.name}: referrals",
        "managingOrganization": reference("Organization", practice.pk, practice.name),
        "payloadType": [{"coding": [{"system": f"{HL7_TERMINOLOGY}/endpoint-payload-type", "code": "any"}]}],
        "payloadMimeType": ["application/fhir+json"],
        "address": practice.fhir_base_url,
    }


def location(place: Any) -> dict[str, Any]:
    """A practice location; ``place.accepting`` says whether a listed provider there takes new patients."""
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(place.pk),
        **_meta(place.last_verified_at),
        "extension": [new_patients(bool(place.accepting))],
        "status": "active",
        "name": f"{place.practice.name}, {place.city}",
        "address": _address(place),
        "managingOrganization": reference("Organization", place.practice_id, place.practice.name),
    }
    telecom = _phone(place.phone or place.practice.phone)
    if telecom:
        resource["telecom"] = telecom
    if place.latitude is not None and place.longitude is not None:
        resource["position"] = {"latitude": place.latitude, "longitude": place.longitude}
    return resource


def healthcare_service(place: Any) -> dict[str, Any]:
    """What a practice offers at one location: ``place.offered``, the procedures its listed providers do."""
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": str(place.pk),
        **_meta(place.last_verified_at),
        "extension": [new_patients(bool(place.accepting))],
        "active": True,
        "providedBy": reference("Organization", place.practice_id, place.practice.name),
        "category": [{"text": "Interventional radiology"}],
        "specialty": [{"coding": [IR_TAXONOMY]}],
        "location": [reference("Location", place.pk)],
        "name": f"Interventional radiology at {place.practice.name}, {place.city}",
    }
    if place.offered:
        resource["type"] = [catalog_concept("procedure", entry) for entry in place.offered]
    return resource


def distance_extension(distance_km: float, unit_km: float, units: str) -> dict[str, Any]:
    """The standard location-distance extension for a search entry, in the asked units."""
    code = "km" if units == "km" else "[mi_i]"
    return {
        "url": LOCATION_DISTANCE,
        "valueDistance": {
            "value": round(distance_km / unit_km, 3),
            "unit": "km" if units == "km" else "mi",
            "system": "http://unitsofmeasure.org",
            "code": code,
        },
    }
