"""A practice's system books and records visits as FHIR Appointments (docs/fhir-referrals.md).

``POST /fhir/Appointment`` books one for the referral its ``basedOn`` names (the
ServiceRequest); ``PUT /fhir/Appointment/<id>`` records what happened. Read from it:

- ``status``: ``booked``; or ``arrived``, ``fulfilled``, ``noshow`` (a visit recorded; a POST
  with one of these books and records it at once);
- ``start`` (an instant with a time zone) and ``serviceType`` coded from
  ``CodeSystem/appointment-kind`` (``consult``, ``procedure``, ``follow_up``, ``imaging``);
- ``participant.actor``: the ``Location/<id>`` and ``Practitioner/<npi>`` of the practice;
- the pain score at the visit: the ``StructureDefinition/pain-score`` extension, 0 to 10.

Each is a call to ``referrals.services`` (``appointment_schedule``, ``appointment_record_visit``)
with their rules: a slot already held or a visit that cannot become this status is a 409.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from directory.models import PracticeLocation, Provider
from fhir import answer_codes
from fhir.catalog import canonical
from fhir.outcomes import FhirError
from fhir.referral_resources import PAIN_SCORE_EXTENSION_PATH
from referrals import services
from referrals.models import Appointment, Referral

VISIT_STATUSES = {"arrived": "arrived", "fulfilled": "fulfilled", "noshow": "no_show"}
FIELD_PATHS = {
    "kind": "Appointment.serviceType",
    "location": "Appointment.participant",
    "provider": "Appointment.participant",
    "pain_score": "Appointment.extension",
    "starts_at": "Appointment.start",
}


@dataclass(frozen=True)
class AppointmentAnswer:
    status: str  # the portal's appointment status
    starts_at: datetime.datetime | None = None
    kind: str = ""
    location: PracticeLocation | None = None
    provider: Provider | None = None
    pain_score: int | None = None


def _resource(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        raise FhirError("send an Appointment resource.", parameter="Appointment")
    return body


def _status(body: dict[str, Any], *, booking: bool) -> str:
    allowed = ["booked", *VISIT_STATUSES] if booking else list(VISIT_STATUSES)
    status = body.get("status")
    if status not in allowed:
        raise FhirError(f"give one of {', '.join(allowed)}.", parameter="Appointment.status")
    return VISIT_STATUSES.get(status, Appointment.Status.BOOKED)


def _start(body: dict[str, Any]) -> datetime.datetime:
    text = body.get("start")
    moment = parse_datetime(text) if isinstance(text, str) else None
    if moment is None or moment.tzinfo is None:
        raise FhirError(
            "give an instant with a time zone, e.g. 2026-12-10T09:30:00Z.", parameter="Appointment.start"
        )
    return moment


def _listed(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else nothing (the checks below then refuse it)."""
    return value if isinstance(value, list) else []


def _kind(body: dict[str, Any]) -> str:
    code = answer_codes.code_of(body.get("serviceType"), answer_codes.APPOINTMENT_KIND)
    if code is None:
        raise FhirError(
            answer_codes.refusal(answer_codes.APPOINTMENT_KIND), parameter="Appointment.serviceType"
        )
    return code


def _actors(body: dict[str, Any]) -> tuple[PracticeLocation | None, Provider | None]:
    """The Location and Practitioner among the participants (the Patient is the referral's)."""
    location = provider = None
    for index, participant in enumerate(_listed(body.get("participant"))):
        path = f"Appointment.participant[{index}].actor"
        actor = participant.get("actor") if isinstance(participant, dict) else None
        reference = actor.get("reference") if isinstance(actor, dict) else None
        if not isinstance(reference, str):
            raise FhirError("give a reference.", parameter=path)
        kind, _, key = reference.rpartition("/")
        kind = kind.rsplit("/", 1)[-1]
        if kind == "Location":
            location = PracticeLocation.objects.filter(pk=int(key) if key.isdigit() else 0).first()
            if location is None:
                raise FhirError(f"no Location has the id {key[:20]}.", parameter=path)
        elif kind == "Practitioner":
            provider = Provider.objects.filter(npi=key).first()
            if provider is None:
                raise FhirError(f"no Practitioner has the NPI {key[:20]}.", parameter=path)
    return location, provider


def _pain_score(body: dict[str, Any]) -> int | None:
    for extension in _listed(body.get("extension")):
        if isinstance(extension, dict) and extension.get("url") == canonical(PAIN_SCORE_EXTENSION_PATH):
            value = extension.get("valueInteger")
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
                raise FhirError(
                    "give valueInteger, a whole number from 0 to 10.", parameter="Appointment.extension"
                )
            return value
    return None


def read_booking(body: Any) -> AppointmentAnswer:
    """What a POSTed Appointment books (and records); raises a 400 ``FhirError`` naming the element."""
    resource = _resource(body)
    status = _status(resource, booking=True)
    location, provider = _actors(resource)
    return AppointmentAnswer(
        status=status,
        starts_at=_start(resource),
        kind=_kind(resource),
        location=location,
        provider=provider,
        pain_score=_pain_score(resource),
    )


def read_visit(body: Any, *, appointment_id: str) -> AppointmentAnswer:
    """What a PUT Appointment records; only its status and pain score are read."""
    resource = _resource(body)
    if "id" in resource and resource["id"] != appointment_id:
        raise FhirError(f"the id must be {appointment_id}, the id in the URL.", parameter="Appointment.id")
    return AppointmentAnswer(status=_status(resource, booking=False), pain_score=_pain_score(resource))


def based_on(body: Any) -> str:
    """The ServiceRequest id the Appointment is for (``basedOn``); a 400 when there is none."""
    for item in _listed(body.get("basedOn") if isinstance(body, dict) else None):
        reference = item.get("reference") if isinstance(item, dict) else None
        if isinstance(reference, str) and "ServiceRequest/" in reference:
            return reference.rsplit("/", 1)[-1]
    raise FhirError("name the referral: ServiceRequest/<id>.", parameter="Appointment.basedOn")


@transaction.atomic
def appointment_book(*, referral: Referral, user: Any, answer: AppointmentAnswer) -> Appointment:
    """Book the visit, and record it when the answer says it already took place."""
    assert answer.starts_at is not None
    appointment = services.appointment_schedule(
        referral=referral,
        user=user,
        kind=answer.kind,
        starts_at=answer.starts_at,
        provider=answer.provider,
        location=answer.location,
    )
    if answer.status != Appointment.Status.BOOKED:
        appointment = services.appointment_record_visit(
            appointment=appointment, user=user, status=answer.status, pain_score=answer.pain_score
        )
    return appointment


def appointment_record(*, appointment: Appointment, user: Any, answer: AppointmentAnswer) -> Appointment:
    """Record the visit's new status; the status it already has is no change (a resent PUT)."""
    if appointment.status == answer.status:
        return appointment
    return services.appointment_record_visit(
        appointment=appointment, user=user, status=answer.status, pain_score=answer.pain_score
    )
