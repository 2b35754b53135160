"""Every change to a referral: the only place its status moves.

Each service checks who is asking (``referrals.access``) and what the current state
allows, locks the referral row first so concurrent requests queue up behind each other,
writes a timeline event and the notifications someone must get, all in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.enrolment import EndpointStatus, enrolment_gaps, practice_ids_for_user
from directory.geo import zip_centroid
from directory.models import Condition, Practice, PracticeLocation, Procedure, Provider
from referrals import access, notifications, routing
from referrals.access import Action
from referrals.models import (
    Appointment,
    FollowUp,
    NotificationOutbox,
    Patient,
    Referral,
    ReferralEvent,
)
from triage.services import assessment_create

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    User = AbstractBaseUser

Status = Referral.Status
EventKind = ReferralEvent.Kind

EMERGENCY = "emergency"
MIN_PATIENT_AGE = 18
MAX_PATIENT_AGE = 120
PATIENT_FIELDS = ("first_name", "last_name", "birth_date", "sex", "phone", "email", "postal_code", "language")


# --- Errors ------------------------------------------------------------------


class ReferralError(Exception):
    """Base of every refusal a referral service can give."""


class PermissionDenied(ReferralError):
    """The user may not see this referral; screens show it as missing (404)."""


class ActionForbidden(ReferralError):
    """The user sees the referral but their role may not take this action (403)."""


class InvalidTransition(ReferralError):
    """The referral's (or appointment's) current state does not allow this (409)."""


class SlotTaken(InvalidTransition):
    """Someone already holds this appointment slot (409)."""


class IdempotencyConflict(ReferralError):
    """The idempotency key was already used for a different request (422)."""


class InvalidInput(ReferralError):
    """Bad input; ``errors`` maps field names (nested for patient fields) to messages (400)."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__(str(errors))
        self.errors = dict(errors)


# --- Checks shared by the services --------------------------------------------


def _locked(referral: Referral) -> Referral:
    """``referral`` locked and refreshed in place: the state every check below decides on.

    Refreshing the caller's own object (rather than returning a copy) means the caller
    sees the new state after the service returns.
    """
    Referral.objects.select_for_update().filter(pk=referral.pk).values_list("pk").get()
    referral.refresh_from_db()
    return referral


def _authorize(action: Action, *, user: Any, referral: Referral) -> None:
    """Raise unless ``user`` may take ``action`` on ``referral`` in its current state."""
    practice_ids = practice_ids_for_user(user)
    roles = access.roles_of(user, referral, practice_ids)
    if not access.may_see(user, referral, practice_ids):
        raise PermissionDenied("No such referral.")
    rule = access.RULES[action]
    if not rule.roles.intersection(roles):
        raise ActionForbidden(f"You may not {action.value.replace('_', ' ')} this referral.")
    if referral.status not in rule.from_statuses:
        raise InvalidTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot be {_PAST_TENSE[action]}."
        )


_PAST_TENSE = {
    Action.ACCEPT: "accepted",
    Action.DECLINE: "declined",
    Action.SCHEDULE: "scheduled",
    Action.RECORD_VISIT: "given a visit",
    Action.COMPLETE: "completed",
    Action.CANCEL: "cancelled",
    Action.ROUTE_BY_HAND: "routed by hand",
}


def _validate_pain_score(pain_score: int | None, *, field_name: str = "pain_score") -> None:
    if pain_score is not None and not 0 <= pain_score <= 10:
        raise InvalidInput({field_name: ["Pain score must be a whole number from 0 to 10."]})


def _required_text(value: str, *, field_name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({field_name: [f"Please give {what}."]})
    return text


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


# --- Notifications -------------------------------------------------------------


def _notification_payload(referral: Referral, event: ReferralEvent) -> dict[str, Any]:
    # Identifiers and statuses only: the payload may travel by e-mail, patient names may not.
    return {
        "referral": str(referral.public_id),
        "event": event.kind,
        "status": referral.status,
        "disposition": referral.disposition,
        "practice": event.practice.name if event.practice else None,
        "at": event.created_at.isoformat(),
    }


def _practice_addresses(practice: Practice) -> list[str]:
    """Where a practice hears of its referrals: its monitored referral inbox.

    A practice reached through its FHIR endpoint alone gets no e-mail; one with neither
    channel still gets a row without an address, so delivery flags it as failed.
    """
    if practice.referral_inbox_email:
        return [practice.referral_inbox_email]
    fhir_only = practice.fhir_base_url and practice.fhir_endpoint_status == EndpointStatus.ACTIVE
    return [] if fhir_only else [""]


# Who must hear about each kind of event: the practice it concerns, the referrer, the coordinators.
_PRACTICE_EVENTS = {EventKind.ROUTED, EventKind.ROUTED_BY_HAND, EventKind.CANCELLED}
_CLINICIAN_EVENTS = set(EventKind) - {EventKind.SUBMITTED, EventKind.ROUTED, EventKind.ROUTED_BY_HAND}
_COORDINATOR_EVENTS = {EventKind.UNROUTABLE, EventKind.DELIVERY_FAILED}


def _recipients(referral: Referral, event: ReferralEvent) -> list[tuple[str, str, Practice | None]]:
    """(recipient kind, address, practice) for each notification ``event`` calls for."""
    kinds = NotificationOutbox.RecipientKind
    rows: list[tuple[str, str, Practice | None]] = []
    if event.kind in _CLINICIAN_EVENTS:
        rows.append((kinds.CLINICIAN, referral.clinician.email, None))
    if event.kind in _PRACTICE_EVENTS and event.practice is not None:
        rows += [(kinds.PRACTICE, a, event.practice) for a in _practice_addresses(event.practice)]
    if event.kind == EventKind.SCHEDULED and referral.patient.email:
        rows.append((kinds.PATIENT, referral.patient.email, None))
    if event.kind in _COORDINATOR_EVENTS:
        rows.append((kinds.COORDINATOR, settings.REFERRAL_COORDINATOR_EMAIL, None))
    return rows


def _notify(referral: Referral, event: ReferralEvent) -> None:
    """Queue the notifications ``event`` calls for, in the caller's transaction."""
    payload = _notification_payload(referral, event)
    created = NotificationOutbox.objects.bulk_create(
        NotificationOutbox(
            recipient_kind=kind,
            recipient_address=address,
            event_kind=event.kind,
            referral=referral,
            practice=practice,
            payload=payload,
        )
        for kind, address, practice in _recipients(referral, event)
    )
    notifications.deliver_after_commit([row.pk for row in created])


def _record(
    referral: Referral,
    *,
    kind: str,
    actor: Any,
    from_status: str,
    practice: Practice | None = None,
    reason: str = "",
    comment: str = "",
    shortlist: list[dict[str, Any]] | None = None,
    notify: bool = True,
) -> ReferralEvent:
    """Append a timeline event (and its notifications) for a change already made to ``referral``."""
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        from_status=from_status,
        to_status=referral.status,
        practice=practice,
        reason=reason,
        comment=comment,
        shortlist=shortlist or [],
    )
    if notify:
        _notify(referral, event)
    return event


# --- Routing -------------------------------------------------------------------


def acceptance_deadline(disposition: str, *, now: datetime.datetime) -> datetime.datetime:
    """When a practice must have answered a referral of this urgency."""
    hours = settings.REFERRAL_ACCEPTANCE_HOURS.get(disposition, settings.REFERRAL_ACCEPTANCE_HOURS["soon"])
    return now + datetime.timedelta(hours=hours)


def _assign(
    referral: Referral,
    *,
    practice: Practice | None,
    location: PracticeLocation | None = None,
    distance_mi: float | None = None,
) -> None:
    referral.practice = practice
    referral.practice_location = location
    referral.practice_distance_mi = distance_mi
    if practice is None:
        referral.status = Status.UNROUTABLE
        referral.acceptance_deadline = None
    else:
        referral.status = Status.PENDING
        referral.acceptance_deadline = acceptance_deadline(referral.disposition, now=timezone.now())
    referral.save(
        update_fields=[
            "practice",
            "practice_location",
            "practice_distance_mi",
            "status",
            "acceptance_deadline",
            "updated_at",
        ]
    )


@transaction.atomic
def referral_route(*, referral: Referral, actor: Any = None) -> Referral:
    """Send ``referral`` to the best candidate practice, or mark it unroutable if none fits.

    Only practices receiving referrals are candidates (docs/workflow.md). The routing
    event keeps the ranked shortlist. Practices that declined, timed out, could not be
    reached or left on this referral are never chosen again. Returns the referral as saved.
    """
    from_status = referral.status
    shortlist = routing.shortlist_for(referral)
    if not shortlist:
        _assign(referral, practice=None)
        explanation = routing.unroutable_explanation(referral)
        _record(
            referral, kind=EventKind.UNROUTABLE, actor=actor, from_status=from_status, comment=explanation
        )
        return referral
    best = shortlist[0]
    practice = best.practice or Practice.objects.get(pk=best.practice_id)
    location = best.location or PracticeLocation.objects.filter(pk=best.location_id or 0).first()
    _assign(referral, practice=practice, location=location, distance_mi=best.distance_mi)
    _record(
        referral,
        kind=EventKind.ROUTED,
        actor=actor,
        from_status=from_status,
        practice=practice,
        shortlist=[candidate.as_json() for candidate in shortlist],
    )
    return referral


# --- Submission ----------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """The outcome of a submission: the referral, and whether it was made just now."""

    referral: Referral
    created: bool = True
    routing: list[dict[str, Any]] = field(default_factory=list)


def _replay(*, clinician: Any, idempotency_key: str, fingerprint: str) -> Submission | None:
    """The earlier submission with this key, or None; raises if the key was used differently."""
    earlier = Referral.objects.filter(clinician=clinician, idempotency_key=idempotency_key).first()
    if earlier is None:
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
    its values, and those hold the clinical question and imaging summary.
    """
    list(get_user_model().objects.select_for_update().filter(pk=clinician.pk).values_list("pk", flat=True))


@transaction.atomic
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
    patient_errors = patient_input_errors(patient_data, today=today)
    if patient_errors:
        raise InvalidInput({"patient": patient_errors})
    if requested_procedure is None and suspected_condition is None:
        raise InvalidInput(
            {"requested_procedure": ["Name a requested procedure or a suspected condition (or both)."]}
        )
    _validate_pain_score(pain_score)
    question = _required_text(clinical_question, field_name="clinical_question", what="the clinical question")

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
    _record(referral, kind=EventKind.SUBMITTED, actor=clinician, from_status="", notify=False)
    if referral.disposition == EMERGENCY:
        referral.status = Status.EMERGENCY_REDIRECT
        referral.save(update_fields=["status", "updated_at"])
        _record(referral, kind=EventKind.EMERGENCY_REDIRECT, actor=None, from_status=Status.PENDING)
        return referral
    return referral_route(referral=referral)


# --- The practice answers --------------------------------------------------------


@transaction.atomic
def referral_accept(*, referral: Referral, user: Any) -> Referral:
    """Accept ``referral`` for the user's practice; exactly one of concurrent accepts succeeds."""
    referral = _locked(referral)
    _authorize(Action.ACCEPT, user=user, referral=referral)
    referral.status = Status.ACCEPTED
    referral.acceptance_deadline = None
    referral.save(update_fields=["status", "acceptance_deadline", "updated_at"])
    _record(
        referral, kind=EventKind.ACCEPTED, actor=user, from_status=Status.PENDING, practice=referral.practice
    )
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, user: Any, reason: str, comment: str = "") -> Referral:
    """Decline with a coded reason; the referral moves on to the next candidate (or unroutable)."""
    if reason not in ReferralEvent.Reason.values:
        raise InvalidInput({"reason": [f"Choose one of {', '.join(ReferralEvent.Reason.values)}."]})
    if reason == ReferralEvent.Reason.OTHER and not comment.strip():
        raise InvalidInput({"comment": ["Say why in a comment when the reason is 'other'."]})
    referral = _locked(referral)
    _authorize(Action.DECLINE, user=user, referral=referral)
    return referral_move_on(
        referral=referral, kind=EventKind.DECLINED, actor=user, reason=reason, comment=comment.strip()
    )


@transaction.atomic
def referral_time_out(*, referral: Referral, now: datetime.datetime | None = None) -> bool:
    """Move a referral whose practice missed the deadline to the next candidate.

    Safe to run twice or concurrently: returns False, changing nothing, unless the
    referral is still pending past its deadline once locked.
    """
    referral = _locked(referral)
    if not referral.is_past_deadline(now):
        return False
    referral_move_on(referral=referral, kind=EventKind.TIMED_OUT, actor=None)
    return True


def referral_move_on(
    *, referral: Referral, kind: str, actor: Any, reason: str = "", comment: str = ""
) -> Referral:
    """Record that the current practice is out of the running, then route again.

    For callers that already hold the referral's lock in their transaction.
    """
    left = referral.practice
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=actor,
        kind=kind,
        from_status=referral.status,
        to_status=referral.status,
        practice=left,
        reason=reason,
        comment=comment,
    )
    _notify(referral, event)
    return referral_route(referral=referral)


# --- Appointments -------------------------------------------------------------------


def _check_belongs_to_practice(
    practice: Practice, *, provider: Provider | None, location: PracticeLocation | None
) -> None:
    errors: dict[str, list[str]] = {}
    if location is not None and location.practice_id != practice.pk:
        errors["location"] = ["This location is not one of the practice's."]
    if provider is not None and not provider.locations.filter(practice=practice).exists():
        errors["provider"] = ["This provider does not work at the practice."]
    if errors:
        raise InvalidInput(errors)


def _open_follow_up(referral: Referral, kind: str) -> FollowUp | None:
    """The earliest follow-up of ``kind`` that no kept appointment covers yet."""
    for follow_up in referral.follow_ups.filter(kind=kind).select_related("appointment"):
        if not follow_up.is_covered:
            return follow_up
    return None


@transaction.atomic
def appointment_schedule(
    *,
    referral: Referral,
    user: Any,
    kind: str,
    starts_at: datetime.datetime,
    provider: Provider | None = None,
    location: PracticeLocation | None = None,
) -> Appointment:
    """Book a visit at the referral's practice; raises ``SlotTaken`` if the slot is held.

    The first booking moves an accepted referral to ``scheduled``; a follow-up booking
    covers the earliest open follow-up of its kind.
    """
    if kind not in Appointment.Kind.values:
        raise InvalidInput({"kind": [f"Choose one of {', '.join(Appointment.Kind.values)}."]})
    referral = _locked(referral)
    _authorize(Action.SCHEDULE, user=user, referral=referral)
    assert referral.practice is not None  # every schedulable status has a practice
    _check_belongs_to_practice(referral.practice, provider=provider, location=location)
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                referral=referral,
                kind=kind,
                practice=referral.practice,
                provider=provider,
                location=location or referral.practice_location,
                starts_at=starts_at,
            )
    except IntegrityError as error:
        raise SlotTaken("That time is already booked; choose another slot.") from error
    follow_up = _open_follow_up(referral, kind)
    if follow_up is not None:
        follow_up.appointment = appointment
        follow_up.save(update_fields=["appointment"])
    from_status = referral.status
    if referral.status == Status.ACCEPTED:
        referral.status = Status.SCHEDULED
        referral.save(update_fields=["status", "updated_at"])
    _record(
        referral,
        kind=EventKind.SCHEDULED,
        actor=user,
        from_status=from_status,
        practice=referral.practice,
        comment=f"{appointment.get_kind_display()} on {timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
    )
    return appointment


_VISIT_MOVES = {
    Appointment.Status.BOOKED: {
        Appointment.Status.ARRIVED,
        Appointment.Status.FULFILLED,
        Appointment.Status.NO_SHOW,
    },
    Appointment.Status.ARRIVED: {Appointment.Status.FULFILLED, Appointment.Status.NO_SHOW},
}


def follow_up_dates(visit_day: datetime.date) -> list[datetime.date]:
    """When follow-ups fall due after a procedure done on ``visit_day`` (settings)."""
    return [visit_day + datetime.timedelta(days=days) for days in settings.REFERRAL_FOLLOW_UP_DAYS]


@transaction.atomic
def appointment_record_visit(
    *,
    appointment: Appointment,
    user: Any,
    status: str,
    pain_score: int | None = None,
    procedure_performed: Procedure | None = None,
) -> Appointment:
    """Record that the patient arrived, was seen (fulfilled) or did not come.

    The first fulfilled visit puts the referral in treatment; a fulfilled procedure
    creates the follow-ups due (settings ``REFERRAL_FOLLOW_UP_DAYS``).
    """
    _validate_pain_score(pain_score)
    referral = _locked(appointment.referral)
    _authorize(Action.RECORD_VISIT, user=user, referral=referral)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk, referral=referral)
    allowed: set[str] = set(_VISIT_MOVES.get(Appointment.Status(appointment.status), set()))
    if status not in allowed:
        current = appointment.get_status_display().lower()
        raise InvalidTransition(f"A visit that is {current} cannot become {status.replace('_', ' ')}.")
    appointment.status = status
    if pain_score is not None:
        appointment.pain_score = pain_score
    if status == Appointment.Status.FULFILLED and appointment.kind == Appointment.Kind.PROCEDURE:
        appointment.procedure_performed = procedure_performed or referral.requested_procedure
        FollowUp.objects.bulk_create(
            FollowUp(referral=referral, source_appointment=appointment, due_on=due_on)
            for due_on in follow_up_dates(timezone.localtime(appointment.starts_at).date())
        )
    appointment.save(update_fields=["status", "pain_score", "procedure_performed", "updated_at"])
    from_status = referral.status
    if status == Appointment.Status.FULFILLED and referral.status == Status.SCHEDULED:
        referral.status = Status.IN_TREATMENT
        referral.save(update_fields=["status", "updated_at"])
    _record(
        referral,
        kind=EventKind.VISIT_RECORDED,
        actor=user,
        from_status=from_status,
        practice=referral.practice,
        comment=f"{appointment.get_kind_display()}: {appointment.get_status_display().lower()}",
    )
    return appointment


# --- Closing the loop -----------------------------------------------------------------


@transaction.atomic
def referral_complete(*, referral: Referral, user: Any, outcome_summary: str) -> Referral:
    """Close the loop: store the outcome for the referring clinician and mark it completed."""
    outcome = _required_text(outcome_summary, field_name="outcome_summary", what="the outcome")
    referral = _locked(referral)
    _authorize(Action.COMPLETE, user=user, referral=referral)
    from_status = referral.status
    referral.status = Status.COMPLETED
    referral.outcome_summary = outcome
    referral.save(update_fields=["status", "outcome_summary", "updated_at"])
    _record(
        referral, kind=EventKind.COMPLETED, actor=user, from_status=from_status, practice=referral.practice
    )
    return referral


@transaction.atomic
def referral_cancel(*, referral: Referral, user: Any, reason: str) -> Referral:
    """Cancel from either side with a reason; booked visits are cancelled with it."""
    text = _required_text(reason, field_name="reason", what="a reason")
    referral = _locked(referral)
    _authorize(Action.CANCEL, user=user, referral=referral)
    from_status = referral.status
    referral.status = Status.CANCELLED
    referral.acceptance_deadline = None
    referral.save(update_fields=["status", "acceptance_deadline", "updated_at"])
    referral.appointments.filter(status__in=Appointment.SLOT_HOLDING_STATUSES).update(
        status=Appointment.Status.CANCELLED, updated_at=timezone.now()
    )
    _record(
        referral,
        kind=EventKind.CANCELLED,
        actor=user,
        from_status=from_status,
        practice=referral.practice,
        comment=text,
    )
    return referral


@transaction.atomic
def referral_route_by_hand(*, referral: Referral, user: Any, practice: Practice) -> Referral:
    """Send an unroutable referral to a practice chosen by a person; it awaits that practice.

    Refused (``InvalidInput`` on ``practice``, naming the reason) unless the practice
    receives referrals.
    """
    referral = _locked(referral)
    _authorize(Action.ROUTE_BY_HAND, user=user, referral=referral)
    if not Practice.objects.receiving_referrals().filter(pk=practice.pk).exists():
        gaps = enrolment_gaps(practice) or {"enrolled_at": "it is not enrolled"}
        reasons = "; ".join(gaps.values())
        raise InvalidInput({"practice": [f"{practice.name} does not receive referrals: {reasons}."]})
    from_status = referral.status
    _assign(referral, practice=practice)
    _record(referral, kind=EventKind.ROUTED_BY_HAND, actor=user, from_status=from_status, practice=practice)
    return referral
