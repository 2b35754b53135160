"""``/fhir/`` writes of a practice's system: it answers referrals and books visits (docs/fhir-referrals.md).

``PUT``/``PATCH /fhir/Task/<id>`` (``fhir.task_answers``), ``POST /fhir/Appointment`` and
``PUT /fhir/Appointment/<id>`` (``fhir.appointment_answers``). Thin adapters: the token says
who is calling (a practice's client acts as an active staff member of it), the rows come
from what that user may see, every change goes through ``referrals.services`` and commits
with its audit entry, and every refusal is an OperationOutcome. Reads on the same URLs are
``fhir.referral_views``.
"""

from __future__ import annotations

import uuid
from typing import Any

import jsonpatch
import jsonpointer
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from fhir import referral_resources, referral_views
from fhir.appointment_answers import (
    FIELD_PATHS as APPOINTMENT_PATHS,
)
from fhir.appointment_answers import (
    appointment_book,
    appointment_record,
    based_on,
    read_booking,
    read_visit,
)
from fhir.auth import READ_SCOPE, WRITE_SCOPE
from fhir.bodies import JSON_PATCH, json_body
from fhir.outcomes import FhirError, fhir_response, operation_outcome
from fhir.referral_registry import appointments_for, referrals_for
from fhir.task_answers import FIELD_PATHS as TASK_PATHS
from fhir.task_answers import read_task_answer, service_refusal, task_answer_apply
from referrals import services
from referrals.audit import audit_record
from referrals.models import Appointment, AuditLogEntry, Referral

LEFT_YOUR_PRACTICE = "Done. The referral has left your practice."


@referral_views.exchange_view({"GET": READ_SCOPE, "PUT": WRITE_SCOPE, "PATCH": WRITE_SCOPE})
def task_instance(request: HttpRequest, user: Any, resource_type: str, resource_id: str) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return referral_views.read_as(request, user, resource_type, resource_id)
    referral = _referral(user, resource_id, "Task")
    answer = read_task_answer(_task_sent(request, referral), task_id=resource_id)
    with transaction.atomic():  # the change and its audit entry commit together
        try:
            task_answer_apply(referral=referral, user=user, answer=answer)
        except services.ReferralError as error:
            raise service_refusal(error, paths=TASK_PATHS, resource="Task") from error
        _audit_change(request, user, referral, f"Task {answer.status}")
    still_ours = referrals_for(user).filter(pk=referral.pk).first()
    if still_ours is None:  # declined: where it went next is not this practice's business
        return fhir_response(_information(LEFT_YOUR_PRACTICE))
    return fhir_response(referral_resources.task(still_ours))


def _task_sent(request: HttpRequest, referral: Referral) -> Any:
    """The Task the client wants: the PUT body, or the JSON Patch applied to the Task as served."""
    if request.method == "PUT":
        return json_body(request, element="Task")
    operations = json_body(request, element="Task", content_types=(JSON_PATCH,))
    try:
        return jsonpatch.apply_patch(referral_resources.task(referral), operations)
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as error:
        raise FhirError(f"the JSON Patch does not apply: {error}", parameter="Task") from error


@referral_views.exchange_view({"GET": READ_SCOPE, "POST": WRITE_SCOPE})
def appointment_type(request: HttpRequest, user: Any, resource_type: str) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return referral_views.search_as(request, user, resource_type)
    body = json_body(request, element="Appointment")
    referral = _referral(user, based_on(body), "ServiceRequest", parameter="Appointment.basedOn")
    answer = read_booking(body)
    with transaction.atomic():
        try:
            appointment = appointment_book(referral=referral, user=user, answer=answer)
        except services.ReferralError as error:
            raise service_refusal(error, paths=APPOINTMENT_PATHS, resource="Appointment") from error
        _audit_change(request, user, referral, f"Appointment {appointment.pk} {appointment.status}")
    response = fhir_response(referral_resources.appointment(_fresh(appointment)), status=201)
    response["Location"] = f"Appointment/{appointment.pk}"
    return response


@referral_views.exchange_view({"GET": READ_SCOPE, "PUT": WRITE_SCOPE})
def appointment_instance(
    request: HttpRequest, user: Any, resource_type: str, resource_id: str
) -> HttpResponse:
    if request.method in ("GET", "HEAD"):
        return referral_views.read_as(request, user, resource_type, resource_id)
    key = int(resource_id) if resource_id.isdigit() and len(resource_id) <= 18 else 0
    appointment = appointments_for(user).filter(pk=key).first()
    if appointment is None:
        raise FhirError(f"no Appointment has the id {resource_id[:64]}.", status=404, code="not-found")
    answer = read_visit(json_body(request, element="Appointment"), appointment_id=resource_id)
    with transaction.atomic():
        try:
            appointment = appointment_record(appointment=appointment, user=user, answer=answer)
        except services.ReferralError as error:
            raise service_refusal(error, paths=APPOINTMENT_PATHS, resource="Appointment") from error
        _audit_change(
            request, user, appointment.referral, f"Appointment {appointment.pk} {appointment.status}"
        )
    return fhir_response(referral_resources.appointment(_fresh(appointment)))


def _referral(user: Any, resource_id: str, resource_type: str, *, parameter: str | None = None) -> Referral:
    """The referral ``user`` may see with this id; a 404 like an id that does not exist otherwise."""
    try:
        public_id = uuid.UUID(resource_id)
    except ValueError:
        public_id = None
    referral = referrals_for(user).filter(public_id=public_id).first() if public_id else None
    if referral is None:
        raise FhirError(
            f"no {resource_type} has the id {resource_id[:64]}.",
            parameter=parameter,
            status=404,
            code="not-found",
        )
    return referral


def _fresh(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_related("referral", "provider").get(pk=appointment.pk)


def _audit_change(request: HttpRequest, user: Any, referral: Referral, detail: str) -> None:
    audit_record(actor=user, action=AuditLogEntry.Action.UPDATE, obj=referral, request=request, detail=detail)


def _information(message: str) -> dict[str, Any]:
    outcome = operation_outcome(message, code="informational")
    outcome["issue"][0]["severity"] = "information"
    return outcome
