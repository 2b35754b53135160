"""Booking visits for a referral and recording how they went."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.models import Practice, PracticeLocation, Procedure, Provider
from referrals.local_time import visit_time, visit_zone
from referrals.models import Appointment, FollowUp, Referral
from referrals.services.checks import validate_pain_score
from referrals.services.errors import InvalidInput, InvalidTransition, SlotTaken
from referrals.services.transition import referral_transition
from referrals.workflow import Action


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


# What a visit that already happened is recorded as, when it is booked after the fact.
VISIT_OUTCOMES = (Appointment.Status.ARRIVED, Appointment.Status.FULFILLED, Appointment.Status.NO_SHOW)


def _check_booking_time(starts_at: datetime.datetime, outcome: str | None, pain_score: int | None) -> None:
    """A time gone by is only a visit recorded with how it went; one still to come has no outcome yet."""
    now = timezone.now()
    if outcome is None:
        if starts_at <= now:
            raise InvalidInput(
                {
                    "starts_at": [
                        "That time has passed. Book a time still to come, or record the visit "
                        "that happened with its outcome (arrived, fulfilled or no-show)."
                    ]
                }
            )
        if pain_score is not None:
            raise InvalidInput({"pain_score": ["Record a pain score with the visit's outcome."]})
        return
    if outcome not in VISIT_OUTCOMES:
        raise InvalidInput({"outcome": [f"Choose one of {', '.join(VISIT_OUTCOMES)}."]})
    if starts_at > now:
        raise InvalidInput(
            {"outcome": ["A visit still to come has no outcome yet: book it, then record how it went."]}
        )


def _create_visit(referral: Referral, practice: Practice, **fields: Any) -> Appointment:
    """The visit row; ``SlotTaken`` when the provider or the practice already holds that time."""
    try:
        with transaction.atomic():
            return Appointment.objects.create(referral=referral, practice=practice, **fields)
    except IntegrityError as error:
        raise SlotTaken("That time is already booked; choose another slot.") from error


@transaction.atomic
def appointment_schedule(
    *,
    referral: Referral,
    user: Any,
    kind: str,
    starts_at: datetime.datetime,
    provider: Provider | None = None,
    location: PracticeLocation | None = None,
    outcome: str | None = None,
    pain_score: int | None = None,
) -> Appointment:
    """Book a visit at the referral's practice; raises ``SlotTaken`` if the slot is held.

    A time gone by is refused unless ``outcome`` records how that visit went (arrived,
    fulfilled or no-show, with ``pain_score`` if taken): it is then booked and recorded at
    once. The first booking moves an accepted referral to ``scheduled``; a follow-up
    booking covers the earliest open follow-up of its kind.
    """
    if kind not in Appointment.Kind.values:
        raise InvalidInput({"kind": [f"Choose one of {', '.join(Appointment.Kind.values)}."]})
    _check_booking_time(starts_at, outcome, pain_score)
    with referral_transition(Action.SCHEDULE, referral=referral, user=user) as change:
        appointment = _book(referral, kind=kind, starts_at=starts_at, provider=provider, location=location)
        _cover_open_follow_up(referral, appointment)
        change.comment = f"{appointment.get_kind_display()} on {visit_time(appointment)}"
    if outcome is None:
        return appointment
    return appointment_record_visit(appointment=appointment, user=user, status=outcome, pain_score=pain_score)


def _book(
    referral: Referral,
    *,
    kind: str,
    starts_at: datetime.datetime,
    provider: Provider | None,
    location: PracticeLocation | None,
) -> Appointment:
    """A new booked visit at the referral's practice; raises ``SlotTaken`` if the slot is held."""
    assert referral.practice is not None  # every schedulable status has a practice
    _check_belongs_to_practice(referral.practice, provider=provider, location=location)
    return _create_visit(
        referral,
        referral.practice,
        kind=kind,
        provider=provider,
        location=location or referral.practice_location,
        starts_at=starts_at,
    )


def _cover_open_follow_up(referral: Referral, appointment: Appointment) -> None:
    follow_up = _open_follow_up(referral, appointment.kind)
    if follow_up is not None:
        follow_up.appointment = appointment
        follow_up.save(update_fields=["appointment"])


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
    validate_pain_score(pain_score)
    referral = appointment.referral
    with referral_transition(Action.RECORD_VISIT, referral=referral, user=user) as change:
        appointment = _visit_record(
            referral, appointment.pk, status=status, pain_score=pain_score, procedure=procedure_performed
        )
        change.moves = status == Appointment.Status.FULFILLED
        change.comment = f"{appointment.get_kind_display()}: {appointment.get_status_display().lower()}"
    return appointment


def _visit_record(
    referral: Referral,
    appointment_id: int,
    *,
    status: str,
    pain_score: int | None,
    procedure: Procedure | None,
) -> Appointment:
    """The appointment, locked and moved to ``status``; a fulfilled procedure adds its follow-ups."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment_id, referral=referral)
    allowed: set[str] = set(_VISIT_MOVES.get(Appointment.Status(appointment.status), set()))
    if status not in allowed:
        current = appointment.get_status_display().lower()
        raise InvalidTransition(f"A visit that is {current} cannot become {status.replace('_', ' ')}.")
    appointment.status = status
    if pain_score is not None:
        appointment.pain_score = pain_score
    if status == Appointment.Status.FULFILLED and appointment.kind == Appointment.Kind.PROCEDURE:
        _procedure_done(appointment, referral, procedure)
    appointment.save(update_fields=["status", "pain_score", "procedure_performed", "updated_at"])
    return appointment


def _procedure_done(appointment: Appointment, referral: Referral, performed: Procedure | None) -> None:
    """A fulfilled procedure: what was done, and the follow-ups due from its day at the practice."""
    appointment.procedure_performed = performed or referral.requested_procedure
    visit_day = appointment.starts_at.astimezone(visit_zone(appointment)).date()
    FollowUp.objects.bulk_create(
        FollowUp(referral=referral, source_appointment=appointment, due_on=due_on)
        for due_on in follow_up_dates(visit_day)
    )
