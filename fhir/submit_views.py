"""``POST /fhir/``: a GP's EHR submits a referral as a ``transaction`` Bundle (docs/fhir-referrals.md).

The same service as ``POST /api/v1/referrals/`` screens, stores and routes it; the ServiceRequest's
identifier is the idempotency key, so a resend returns the referral already made. The answer is a
``transaction-response`` Bundle with a ``Location`` per resource and the Task tracking the referral.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from fhir.auth import WRITE_SCOPE
from fhir.bodies import json_body
from fhir.outcomes import FhirError, fhir_response
from fhir.referral_resources import instant, patient, questionnaire_response, service_request, task
from fhir.referral_views import exchange_view
from fhir.transaction import Submitted, read_submission
from fhir.views import base_url
from referrals import services
from referrals.apis import request_fingerprint
from referrals.audit import audit_record
from referrals.models import AuditLogEntry, Referral
from referrals.serializers import EMERGENCY_MESSAGE

# Where the service's field names sit in the Bundle (its errors name fields, not FHIRPaths).
FIELD_PATHS = {
    "first_name": ("Patient", "name[0].given"),
    "last_name": ("Patient", "name[0].family"),
    "birth_date": ("Patient", "birthDate"),
    "sex": ("Patient", "gender"),
    "phone": ("Patient", "telecom"),
    "email": ("Patient", "telecom"),
    "postal_code": ("Patient", "address[0].postalCode"),
    "requested_procedure": ("ServiceRequest", "code"),
    "clinical_question": ("ServiceRequest", "note[0].text"),
    "pain_score": ("QuestionnaireResponse", "item"),
    "triage": ("QuestionnaireResponse", "item"),
}
ORDER = ("Patient", "ServiceRequest", "QuestionnaireResponse")


@exchange_view({"POST": WRITE_SCOPE})
def transaction_submit(request: HttpRequest, user: Any) -> HttpResponse:
    bundle = json_body(request, element="Bundle")
    submitted = read_submission(bundle)
    fingerprint = request_fingerprint(submitted.fingerprint_source())
    with transaction.atomic():
        submission = _submit(user, submitted, fingerprint, bundle)
        referral = submission.referral
        action = AuditLogEntry.Action.CREATE if submission.created else AuditLogEntry.Action.READ
        audit_record(actor=user, action=action, obj=referral, request=request)
        # Built before the commit, like the JSON API's answer: nothing is left to fail after it.
        answer = _transaction_response(base_url(request), referral, created=submission.created)
    return fhir_response(answer)


def _submit(user: Any, submitted: Submitted, fingerprint: str, bundle: Any) -> services.Submission:
    try:
        return services.referral_submit(
            clinician=user,
            patient_data=submitted.patient_data,
            triage_data=submitted.triage_data,
            requested_procedure=submitted.requested_procedure,
            suspected_condition=submitted.suspected_condition,
            clinical_question=submitted.clinical_question,
            pain_score=submitted.pain_score,
            idempotency_key=submitted.idempotency_key,
            fingerprint=fingerprint,
        )
    except services.ActionForbidden as error:
        raise FhirError(str(error), status=403, code="forbidden") from error
    except services.IdempotencyConflict as error:
        raise FhirError(
            "this ServiceRequest identifier was already used for a different referral; use a new one.",
            parameter=_path_of(bundle, "ServiceRequest", "identifier[0]"),
            status=422,
            code="business-rule",
        ) from error
    except services.InvalidInput as error:
        raise _input_error(bundle, error.errors) from error


def _input_error(bundle: Any, errors: dict[str, Any]) -> FhirError:
    """The service's first complaint, at the element of the Bundle it is about."""
    field, messages = next(iter(errors.items()))
    if isinstance(messages, dict):  # the patient's fields, nested
        field, messages = next(iter(messages.items()))
    kind, element = FIELD_PATHS.get(field, ("ServiceRequest", ""))
    message = messages[0] if isinstance(messages, list) and messages else str(messages)
    return FhirError(str(message), parameter=_path_of(bundle, kind, element))


def _path_of(bundle: Any, kind: str, element: str) -> str:
    for index, entry in enumerate(bundle.get("entry", [])):
        if entry["resource"]["resourceType"] == kind:
            return f"Bundle.entry[{index}].resource" + (f".{element}" if element else "")
    return "Bundle"


def _warning(message: str) -> dict[str, Any]:
    issue = {"severity": "warning", "code": "informational", "diagnostics": message}
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _transaction_response(base: str, referral: Referral, *, created: bool) -> dict[str, Any]:
    referral = Referral.objects.select_related("clinician", "practice", "patient", "assessment").get(
        pk=referral.pk
    )
    rendered = [
        patient(referral),
        service_request(referral),
        questionnaire_response(referral),
        task(referral),
    ]
    status = "201 Created" if created else "200 OK"
    entries = []
    for resource in rendered:
        location = f"{resource['resourceType']}/{resource['id']}"
        response: dict[str, Any] = {
            "status": status,
            "location": location,
            "lastModified": instant(referral.updated_at),
        }
        if referral.status == Referral.Status.EMERGENCY_REDIRECT and resource["resourceType"] in (
            "ServiceRequest",
            "Task",
        ):
            response["outcome"] = _warning(EMERGENCY_MESSAGE)
        entries.append({"fullUrl": f"{base}/{location}", "resource": resource, "response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
