"""Submitting a referral: validate, screen, store, then route it (or redirect an emergency)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from directory.geo import zip_centroid
from directory.models import Condition, Procedure
from referrals import access
from referrals.models import Patient, Referral, ReferralEvent
from referrals.services.checks import required_text, validate_pain_score
from referrals.services.errors import ActionForbidden, IdempotencyConflict, InvalidInput
from referrals.services.route import referral_route
from referrals.services.timeline import record_event
from triage.models import Assessment
from triage.services import assessment_create

Status = Referral.Status
EventKind = ReferralEvent.Kind

EMERGENCY = "emergency"
MIN_PATIENT_AGE = 18
MAX_PATIENT_AGE = 120
PATIENT_FIELDS = ("first_name", "last_name", "birth_date", "sex", "phone", "email", "postal_code", "language")


def patient_input_errors(patient_data: Mapping[str, Any], *, today: datetime.date) -> dict[str, list[str]]:
    """Problems with a patient's details, by field name (empty when they are fine)."""
    errors: dict[str, list[str]] = {}
    birth_date = patient_data.get("birth_date")
    if not isinstance(birth_date, datetime.date):
        errors["birth_date"] = ["Give the birth date as YYYY-MM-DD."]
    elif birth_date > today:
        errors["birth_date"] = ["The birth date is in the future."]
    else:
        age = Patient(birth_date=birth_date).age_on(today)
        if not MIN_PATIENT_AGE <= age <= MAX_PATIENT_AGE:
            errors["birth_date"] = [
                f"The patient must be {MIN_PATIENT_AGE} to {MAX_PATIENT_AGE} years old; "
                f"this birth date gives {age}."
            ]
    if zip_centroid(str(patient_data.get("postal_code", ""))) is None:
        errors["postal_code"] = ["We cannot place this ZIP code; give the patient's 5-digit US ZIP."]
    for name in ("first_name", "last_name", "phone"):
        if not str(patient_data.get(name, "")).strip():
            errors[name] = ["This field is required."]
    if patient_data.get("sex") not in Patient.Sex.values:
        errors["sex"] = [f"Choose one of {', '.join(Patient.Sex.values)}."]
    return errors


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the referral, and whether it was made just now."""

    referral: Referral
    created: bool = True
    routing: list[dict[str, Any]] = field(default_factory=list)


def _replay(*, clinician: Any, idempotency_key: str, fingerprint: str) -> Submission | None:
    """The earlier submission with this key, or None; raises if the key was used differently."""
    # get(), not first(): first() sorts, which let PostgreSQL walk every referral of the
    # clinician by date instead of looking the key up in its unique index.
    try:
        earlier = Referral.objects.get(clinician=clinician, idempotency_key=idempotency_key)
    except Referral.DoesNotExist:
        return None
    if earlier.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different referral; use a new key."
        )
    return Submission(referral=earlier, created=False)


@transaction.atomic
def referral_submit(
    *,
    clinician: Any,
    patient_data: Mapping[str, Any],
    triage_data: Mapping[str, Any],
    requested_procedure: Procedure | None,
    suspected_condition: Condition | None,
    clinical_question: str,
    pain_score: int | None,
    imaging_summary: str = "",
    idempotency_key: str,
    fingerprint: str,
) -> Submission:
    """Screen, store and route a new referral; a retry with the same key returns the first one.

    Emergencies are stored as ``emergency_redirect`` and never routed. Raises
    ``ActionForbidden`` for anyone but a clinician, ``InvalidInput`` (nothing saved) or
    ``IdempotencyConflict``.
    """
    if not access.may_refer(clinician):
        raise ActionForbidden("Only referring clinicians submit referrals; IR office staff receive them.")
    _take_turn(clinician)
    replay = _replay(clinician=clinician, idempotency_key=idempotency_key, fingerprint=fingerprint)
    if replay is not None:
        return replay
    referral = _referral_create(
        clinician=clinician,
        patient_data=patient_data,
        triage_data=triage_data,
        requested_procedure=requested_procedure,
        suspected_condition=suspected_condition,
        clinical_question=clinical_question,
        pain_score=pain_score,
        imaging_summary=imaging_summary,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    return Submission(referral=referral, created=True)


def _take_turn(clinician: Any) -> None:
    """Lock the clinician's user row until the transaction ends: their submissions take turns.

    A retry racing the first submission waits here, then finds the first referral by its key,
    instead of losing the INSERT to the unique key: PostgreSQL logs a failing statement with
    its values, and those hold the clinical question and imaging summary. A no-key lock: rows
    that name the clinician (their audit entries, checked at commit) are never kept waiting,
    so an audited read by the same clinician cannot deadlock with their submission.
    """
    users = get_user_model().objects.select_for_update(no_key=True)
    list(users.filter(pk=clinician.pk).values_list("pk", flat=True))


def _referral_create(
    *,
    clinician: Any,
    patient_data: Mapping[str, Any],
    triage_data: Mapping[str, Any],
    requested_procedure: Procedure | None,
    suspected_condition: Condition | None,
    clinical_question: str,
    pain_score: int | None,
    imaging_summary: str,
    idempotency_key: str,
    fingerprint: str,
) -> Referral:
    today = timezone.localdate()
    question = _checked_question(
        patient_data,
        today=today,
        requested_procedure=requested_procedure,
        suspected_condition=suspected_condition,
        clinical_question=clinical_question,
        pain_score=pain_score,
    )
    patient, assessment = _patient_screened(patient_data, triage_data, today=today)
    referral = Referral.objects.create(
        clinician=clinician,
        patient=patient,
        assessment=assessment,
        disposition=str(assessment.disposition),
        clinical_question=question,
        requested_procedure=requested_procedure,
        suspected_condition=suspected_condition,
        pain_score=pain_score,
        imaging_summary=imaging_summary.strip(),
        status=Status.PENDING,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    record_event(referral, kind=EventKind.SUBMITTED, actor=clinician, from_status="", notify=False)
    return _redirect_or_route(referral)


def _checked_question(
    patient_data: Mapping[str, Any],
    *,
    today: datetime.date,
    requested_procedure: Procedure | None,
    suspected_condition: Condition | None,
    clinical_question: str,
    pain_score: int | None,
) -> str:
    """The clinical question, once the patient and the request are fit to store (else ``InvalidInput``)."""
    patient_errors = patient_input_errors(patient_data, today=today)
    if patient_errors:
        raise InvalidInput({"patient": patient_errors})
    if requested_procedure is None and suspected_condition is None:
        raise InvalidInput(
            {"requested_procedure": ["Name a requested procedure or a suspected condition (or both)."]}
        )
    validate_pain_score(pain_score)
    return required_text(clinical_question, field_name="clinical_question", what="the clinical question")


def _patient_screened(
    patient_data: Mapping[str, Any], triage_data: Mapping[str, Any], *, today: datetime.date
) -> tuple[Patient, Assessment]:
    """The stored patient and their red-flag screening; a malformed screening is ``InvalidInput``."""
    given = {name: patient_data[name] for name in PATIENT_FIELDS if name in patient_data}
    patient = Patient.objects.create(**given)
    try:
        assessment = assessment_create(
            age=patient.age_on(today),
            pain_duration_weeks=triage_data["pain_duration_weeks"],
            answers=triage_data["answers"],
            source="referral",
        )
    except (KeyError, ValueError) as error:
        raise InvalidInput({"triage": [str(error)]}) from error
    return patient, assessment


def _redirect_or_route(referral: Referral) -> Referral:
    """An emergency goes to emergency care, never to a practice; anything else is routed."""
    if referral.disposition == EMERGENCY:
        referral.status = Status.EMERGENCY_REDIRECT
        referral.save(update_fields=["status", "updated_at"])
        record_event(referral, kind=EventKind.EMERGENCY_REDIRECT, actor=None, from_status=Status.PENDING)
        return referral
    return referral_route(referral=referral, asked=())  # just stored: no practice was asked yet
