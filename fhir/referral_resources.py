"""A referral as FHIR R4 resources: Patient, ServiceRequest, QuestionnaireResponse, Task, Appointment.

Plain dicts built from the referral's rows (docs/fhir-referrals.md). The referral's public id
is the id of its ServiceRequest, Task, Patient and QuestionnaireResponse; an appointment's
id is its own. Nothing here decides who may see what: callers pass only rows the asking
user may see (``referrals.selectors``), and a Task names only the practice the referral is
with now, never one it was with before.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from fhir import answer_codes
from fhir.catalog import canonical, catalog_concept
from fhir.questionnaire import PAIN_DURATION, PAIN_SCORE, questionnaire_url
from fhir.referral_status import TASK_STATUSES, business_status
from referrals.models import Appointment, Patient, Referral, ReferralEvent
from referrals.serializers import EMERGENCY_MESSAGE
from triage.rules import ANSWER_KEYS

# An EHR's own referral id is kept as the submission's idempotency key, behind this prefix.
EHR_KEY_PREFIX = "fhir:"
PORTAL_USER_SYSTEM_PATH = "sid/portal-user"
REFERRAL_SYSTEM_PATH = "sid/referral"
PAIN_SCORE_EXTENSION_PATH = "StructureDefinition/pain-score"

APPOINTMENT_STATUS: dict[str, str] = {Appointment.Status.NO_SHOW: "noshow"}
SERVICE_REQUEST_STATUS: dict[str, str] = {
    Referral.Status.COMPLETED: "completed",
    Referral.Status.CANCELLED: "revoked",
    Referral.Status.EMERGENCY_REDIRECT: "revoked",
}


def fhir_gender(sex: str) -> str:
    """Patient.gender for a stored sex: the portal stores FHIR's administrative-gender codes."""
    return Patient.Sex(sex).value


def portal_sex(gender: str) -> str | None:
    """The stored sex for Patient.gender; None when it is not an administrative-gender code."""
    return gender if gender in Patient.Sex.values else None


def instant(moment: datetime.datetime) -> str:
    """A FHIR instant to the microsecond, so ``_lastUpdated=gt<it>`` never finds the same change again."""
    return timezone.localtime(moment, datetime.UTC).isoformat(timespec="microseconds")


def ref(resource_type: str, resource_id: Any, display: str = "") -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def clinician_reference(user: Any) -> dict[str, Any]:
    """The referring clinician: a portal user, named by username (docs/fhir-referrals.md)."""
    return {
        "identifier": {"system": canonical(PORTAL_USER_SYSTEM_PATH), "value": user.get_username()},
        "display": user.get_full_name() or user.get_username(),
    }


def ehr_identifier(referral: Referral) -> dict[str, str] | None:
    """The identifier the EHR gave its ServiceRequest, if the referral came in over FHIR."""
    if not referral.idempotency_key.startswith(EHR_KEY_PREFIX):
        return None
    system, _, value = referral.idempotency_key.removeprefix(EHR_KEY_PREFIX).rpartition("|")
    return {"system": system, "value": value} if system else {"value": value}


def patient(referral: Referral) -> dict[str, Any]:
    person = referral.patient
    telecom = [{"system": "phone", "value": person.phone}]
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    return {
        "resourceType": "Patient",
        "id": str(referral.public_id),
        "meta": {"lastUpdated": instant(person.created_at)},
        "name": [{"family": person.last_name, "given": [person.first_name]}],
        "birthDate": person.birth_date.isoformat(),
        "gender": fhir_gender(person.sex),
        "telecom": telecom,
        "address": [{"postalCode": person.postal_code, "country": "US"}],
    }


def service_request(referral: Referral) -> dict[str, Any]:
    rid = str(referral.public_id)
    identifiers = [{"system": canonical(REFERRAL_SYSTEM_PATH), "value": rid}]
    ehr = ehr_identifier(referral)
    if ehr:
        identifiers.insert(0, ehr)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": rid,
        "meta": {"lastUpdated": instant(referral.updated_at)},
        "identifier": identifiers,
        "status": SERVICE_REQUEST_STATUS.get(referral.status, "active"),
        "intent": "order",
        "subject": ref("Patient", rid),
        "authoredOn": instant(referral.created_at),
        "requester": clinician_reference(referral.clinician),
        "note": [{"text": referral.clinical_question}],
        "supportingInfo": [ref("QuestionnaireResponse", rid)],
    }
    if referral.requested_procedure is not None:
        resource["code"] = catalog_concept("procedure", referral.requested_procedure)
    if referral.suspected_condition is not None:
        resource["reasonCode"] = [catalog_concept("condition", referral.suspected_condition)]
    if referral.practice is not None:
        resource["performer"] = [ref("Organization", referral.practice_id, referral.practice.name)]
    return resource


def questionnaire_response(referral: Referral) -> dict[str, Any]:
    rid = str(referral.public_id)
    assessment = referral.assessment
    items = [
        {"linkId": key, "answer": [{"valueBoolean": bool(assessment.answers[key])}]} for key in ANSWER_KEYS
    ]
    items.append({"linkId": PAIN_DURATION, "answer": [{"valueInteger": assessment.pain_duration_weeks}]})
    if referral.pain_score is not None:
        items.append({"linkId": PAIN_SCORE, "answer": [{"valueInteger": referral.pain_score}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "questionnaire": questionnaire_url(),
        "status": "completed",
        "subject": ref("Patient", rid),
        "authored": instant(assessment.created_at),
        "item": items,
    }


def _latest_comment(referral: Referral, kind: str) -> str:
    event = referral.events.filter(kind=kind).order_by("-created_at", "-id").first()
    return event.comment if event else ""


def task_status_reason(referral: Referral) -> str:
    """Why the Task stopped: emergency care now, whom to contact, or the cancellation's reason."""
    if referral.status == Referral.Status.EMERGENCY_REDIRECT:
        return EMERGENCY_MESSAGE
    if referral.status == Referral.Status.UNROUTABLE:
        searched = _latest_comment(referral, ReferralEvent.Kind.UNROUTABLE)
        return (
            f"{searched} Contact {settings.REFERRAL_COORDINATOR_CONTACT} to have it routed by hand.".strip()
        )
    if referral.status == Referral.Status.CANCELLED:
        return _latest_comment(referral, ReferralEvent.Kind.CANCELLED)
    return ""


def task(referral: Referral) -> dict[str, Any]:
    rid = str(referral.public_id)
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": rid,
        "meta": {"lastUpdated": instant(referral.updated_at)},
        "identifier": [{"system": canonical(REFERRAL_SYSTEM_PATH), "value": rid}],
        "basedOn": [ref("ServiceRequest", rid)],
        "status": TASK_STATUSES[referral.status].task_status,
        "businessStatus": business_status(referral.status),
        "intent": "order",
        "focus": ref("ServiceRequest", rid),
        "for": ref("Patient", rid),
        "authoredOn": instant(referral.created_at),
        "lastModified": instant(referral.updated_at),
        "requester": clinician_reference(referral.clinician),
    }
    if referral.practice is not None:
        resource["owner"] = ref("Organization", referral.practice_id, referral.practice.name)
    if referral.status == Referral.Status.PENDING and referral.acceptance_deadline is not None:
        resource["restriction"] = {"period": {"end": instant(referral.acceptance_deadline)}}
    reason = task_status_reason(referral)
    if reason:
        resource["statusReason"] = {"text": reason}
    if referral.status == Referral.Status.COMPLETED and referral.outcome_summary:
        resource["output"] = [{"type": {"text": "Outcome summary"}, "valueString": referral.outcome_summary}]
    return resource


def appointment(visit: Appointment) -> dict[str, Any]:
    rid = str(visit.referral.public_id)
    participants: list[dict[str, Any]] = [{"actor": ref("Patient", rid), "status": "accepted"}]
    if visit.provider is not None:
        participants.append(
            {
                "actor": ref("Practitioner", visit.provider.npi, visit.provider.display_name),
                "status": "accepted",
            }
        )
    if visit.location is not None:
        participants.append({"actor": ref("Location", visit.location_id), "status": "accepted"})
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(visit.pk),
        "meta": {"lastUpdated": instant(visit.updated_at)},
        "status": APPOINTMENT_STATUS.get(visit.status, visit.status),
        "serviceType": [
            {
                **answer_codes.concept(answer_codes.APPOINTMENT_KIND, visit.kind),
                "text": visit.get_kind_display(),
            }
        ],
        "start": instant(visit.starts_at),
        "basedOn": [ref("ServiceRequest", rid)],
        "participant": participants,
    }
    if visit.pain_score is not None:
        resource["extension"] = [
            {"url": canonical(PAIN_SCORE_EXTENSION_PATH), "valueInteger": visit.pain_score}
        ]
    return resource
