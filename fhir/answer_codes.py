"""The codes a practice's system answers with, served as the project's CodeSystems.

``decline-reason`` codes ``Task.statusReason`` of a rejected Task (the reasons the office
admin offers); ``appointment-kind`` codes ``Appointment.serviceType`` (docs/fhir-referrals.md).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from fhir.catalog import canonical
from referrals.models import Appointment, ReferralEvent

DECLINE_REASON = "decline-reason"
APPOINTMENT_KIND = "appointment-kind"

_CHOICES: dict[str, tuple[type[models.TextChoices], str, str]] = {
    DECLINE_REASON: (ReferralEvent.Reason, "DeclineReason", "Why a practice declines a referral"),
    APPOINTMENT_KIND: (Appointment.Kind, "AppointmentKind", "Kinds of visit a practice books"),
}
CODE_SYSTEM_IDS = tuple(_CHOICES)


def system(code_system_id: str) -> str:
    return canonical(f"CodeSystem/{code_system_id}")


def concept(code_system_id: str, code: str) -> dict[str, Any]:
    """A CodeableConcept with the one code of this system."""
    choices = _CHOICES[code_system_id][0]
    return {"coding": [{"system": system(code_system_id), "code": code, "display": choices(code).label}]}


def code_of(concepts: Any, code_system_id: str) -> str | None:
    """The first code of this system in a CodeableConcept (or a list of them); None when there is
    none, or it is not one of the system's codes."""
    listed = concepts if isinstance(concepts, list) else [concepts]
    for item in listed:
        codings = item.get("coding") if isinstance(item, dict) else None
        for coding in codings if isinstance(codings, list) else []:
            if isinstance(coding, dict) and coding.get("system") == system(code_system_id):
                code = coding.get("code")
                return code if code in _CHOICES[code_system_id][0].values else None
    return None


def refusal(code_system_id: str) -> str:
    """What to say to a client that did not code an answer from this system."""
    return f"code it from {system(code_system_id)}: one of {', '.join(_CHOICES[code_system_id][0].values)}."


def code_system(code_system_id: str) -> dict[str, Any]:
    choices, name, title = _CHOICES[code_system_id]
    concepts = [{"code": choice.value, "display": choice.label} for choice in choices]
    return {
        "resourceType": "CodeSystem",
        "id": code_system_id,
        "url": system(code_system_id),
        "name": name,
        "title": title,
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "count": len(concepts),
        "concept": concepts,
    }
