"""The three resources of a referral's ``transaction`` Bundle, found and checked for shape.

A Bundle of ``type`` ``transaction`` with one Patient, one ServiceRequest whose ``subject``
points at that Patient, and one QuestionnaireResponse, each entry a ``POST`` of its type
(docs/fhir-referrals.md). Each resource's FHIRPath (``Bundle.entry[1].resource``) is kept
so every later error can name its element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.outcomes import FhirError

WANTED = ("Patient", "ServiceRequest", "QuestionnaireResponse")


@dataclass(frozen=True)
class Entries:
    """The Bundle's three resources, their FHIRPaths and full URLs."""

    resources: dict[str, dict[str, Any]]
    paths: dict[str, str]
    full_urls: dict[str, str]

    @property
    def patient(self) -> dict[str, Any]:
        return self.resources["Patient"]

    @property
    def service_request(self) -> dict[str, Any]:
        return self.resources["ServiceRequest"]

    @property
    def questionnaire_response(self) -> dict[str, Any]:
        return self.resources["QuestionnaireResponse"]

    def path(self, resource_type: str) -> str:
        return self.paths[resource_type]


def _bad(expression: str, message: str, code: str = "invalid") -> FhirError:
    return FhirError(message, parameter=expression, code=code)


def find_entries(bundle: Any) -> Entries:
    """The referral's entries of ``bundle``; a ``FhirError`` naming what is wrong otherwise."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise _bad("Bundle", "post a Bundle resource (resourceType Bundle).", "structure")
    if bundle.get("type") != "transaction":
        raise _bad("Bundle.type", "post a Bundle of type transaction.")
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise _bad("Bundle.entry", "give the Patient, ServiceRequest and QuestionnaireResponse.", "required")
    resources: dict[str, dict[str, Any]] = {}
    paths: dict[str, str] = {}
    full_urls: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") not in WANTED:
            raise _bad(f"{where}.resource", f"only {', '.join(WANTED)} belong in a referral Bundle.")
        kind = str(resource["resourceType"])
        if kind in resources:
            raise _bad(f"{where}.resource", f"give one {kind} only.")
        _check_request(entry, where, kind)
        resources[kind], paths[kind] = resource, f"{where}.resource"
        full_urls[kind] = str(entry.get("fullUrl") or "")
    for kind in WANTED:
        if kind not in resources:
            raise _bad("Bundle.entry", f"the Bundle has no {kind}.", "required")
    found = Entries(resources, paths, full_urls)
    _check_subject(found)
    return found


def _check_request(entry: dict[str, Any], where: str, kind: str) -> None:
    request = entry.get("request")
    if not isinstance(request, dict) or request.get("method") != "POST":
        raise _bad(f"{where}.request.method", "each entry is a POST (request.method POST).")
    if str(request.get("url", "")).split("?")[0] != kind:
        raise _bad(f"{where}.request.url", f"POST the {kind} to {kind}.")


def _check_subject(entries: Entries) -> None:
    """The ServiceRequest's subject must be the Bundle's Patient (by fullUrl or Patient/<id>)."""
    where = entries.path("ServiceRequest")
    subject = entries.service_request.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(reference, str) or not reference:
        raise _bad(
            f"{where}.subject", "give the patient: subject.reference to the Bundle's Patient.", "required"
        )
    patient_id = entries.patient.get("id")
    known = {entries.full_urls["Patient"], f"Patient/{patient_id}" if patient_id else ""} - {""}
    if reference not in known:
        raise _bad(f"{where}.subject.reference", "refer to the Patient in this Bundle (its fullUrl).")
