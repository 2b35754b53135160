"""A year of demo referral history for the two demo offices, so the loop metrics have something to show.

Every step goes through the same services as real work (submission, routing, accept, decline,
time-out, visits, completion, the patient's own report); each step's timeline event is then
dated back to when it would have happened, so waits and closure look like a real year.
Idempotent: each demo referral has a fixed key and is made once.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from referrals import patient_outcomes, services
from referrals.models import Appointment, Referral, ReferralEvent

# About fifteen a quarter: enough for every chart to be drawn for each office.
PER_OFFICE = 60
DECLINE_REASONS = ("capacity", "not_offered", "out_of_network", "clinical_mismatch")


@dataclass
class Timeline:
    """Dates the events a referral gets from now on, as they happen."""

    referral: Referral
    last_event_id: int = 0

    def stamp(self, when: datetime.datetime) -> None:
        """Date every event written since the last stamp at ``when``."""
        fresh = ReferralEvent.objects.filter(referral=self.referral, pk__gt=self.last_event_id)
        ids = list(fresh.values_list("pk", flat=True))
        if ids:
            fresh.update(created_at=when)
            self.last_event_id = max(ids)


def _submitted_at(rng: random.Random) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=rng.randint(2, 360))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), 0)))


def _visit(
    referral: Referral, staff: Any, kind: str, when: datetime.datetime, status: str, pain: int | None
) -> None:
    if when >= timezone.now():
        services.appointment_schedule(referral=referral, user=staff, kind=kind, starts_at=when)
        return
    # A visit gone by is booked and recorded at once, with how it went.
    services.appointment_schedule(
        referral=referral, user=staff, kind=kind, starts_at=when, outcome=status, pain_score=pain
    )


def _treat(
    referral: Referral, staff: Any, start: datetime.datetime, rng: random.Random, clock: Timeline
) -> None:
    """Consult (sometimes missed first), procedure, follow-up with a pain score, completion."""
    # A second per referral keeps two demo visits off the same slot.
    consult = start + datetime.timedelta(days=rng.randint(4, 20), seconds=referral.pk % 3600)
    if rng.random() < 0.12:
        _visit(referral, staff, Appointment.Kind.CONSULT, consult, "no_show", None)
        consult += datetime.timedelta(days=7)
    _visit(referral, staff, Appointment.Kind.CONSULT, consult, "fulfilled", None)
    procedure = consult + datetime.timedelta(days=rng.randint(5, 21))
    _visit(referral, staff, Appointment.Kind.PROCEDURE, procedure, "fulfilled", None)
    clock.stamp(procedure)
    follow_up = procedure + datetime.timedelta(days=14, hours=1)
    baseline = referral.pain_score or 7
    later = max(0, baseline - rng.choice((0, 1, 2, 3, 4, 5, 6)))
    if follow_up < timezone.now():
        _visit(referral, staff, Appointment.Kind.FOLLOW_UP, follow_up, "fulfilled", later)
        clock.stamp(follow_up)
        _patient_report(referral, follow_up, later, rng)
    closed = follow_up + datetime.timedelta(days=rng.randint(1, 30))
    if closed < timezone.now() and rng.random() < 0.85:
        services.referral_complete(
            referral=referral, user=staff, outcome_summary="Procedure done; follow-up pain score recorded."
        )
        clock.stamp(closed)


def _patient_report(referral: Referral, when: datetime.datetime, pain: int, rng: random.Random) -> None:
    """Some patients answer their outcome link too (those with an e-mail on file).

    The link is made but not mailed: a year of history would fill the console with old e-mails.
    """
    if not referral.patient.email:
        return
    invite = patient_outcomes.outcome_invite_create(referral=referral, now=when)
    impression = ("much_better", "better", "same", "better", "worse")[rng.randint(0, 4)]
    patient_outcomes.outcome_report_submit(
        token=invite.token,
        pain_score=pain,
        global_impression=impression,
        now=when + datetime.timedelta(days=1),
    )


def _play(referral: Referral, staff: Any, start: datetime.datetime, rng: random.Random) -> None:
    clock = Timeline(referral)
    clock.stamp(start)
    roll = rng.random()
    if roll < 0.1:
        services.referral_decline(referral=referral, user=staff, reason=rng.choice(DECLINE_REASONS))
        clock.stamp(start + datetime.timedelta(hours=rng.randint(2, 20)))
        return
    if roll < 0.18:
        assert referral.acceptance_deadline is not None
        services.referral_time_out(referral=referral, now=referral.acceptance_deadline)
        clock.stamp(start + datetime.timedelta(hours=24))
        return
    services.referral_accept(referral=referral, user=staff)
    accepted = start + datetime.timedelta(hours=rng.choice((1, 2, 3, 5, 8, 12, 18, 26, 40, 60)))
    clock.stamp(accepted)
    if roll < 0.26:
        return  # accepted and still waiting for a visit
    _treat(referral, staff, accepted, rng, clock)


def seed_history(
    offices: list[tuple[Any, str]], staff: list[Any], clinicians: list[Any], *, submit: Callable[..., Any]
) -> list[str]:
    """Demo referrals over the past year for each office; returns the keys of those made now.

    ``submit(clinician, key, patient_index, postal_code, flags)`` sends one demo referral.
    """
    created = []
    for office_index, ((_, postal_code), member) in enumerate(zip(offices, staff, strict=True)):
        rng = random.Random(office_index)
        for index in range(PER_OFFICE):
            key = f"demo-history-{member.username}-{index}"
            submission = submit(
                clinicians[index % 2],
                key,
                100 + office_index * PER_OFFICE + index,
                postal_code,
                ["leg_weakness"],
            )
            start = _submitted_at(rng)
            if not submission.created:
                continue
            referral = submission.referral
            if index % 3 == 0:
                referral.patient.email = f"patient{office_index}-{index}@example.org"
                referral.patient.save(update_fields=["email"])
            _play(referral, member, start, rng)
            Referral.objects.filter(pk=referral.pk).update(created_at=start)
            created.append(key)
    return created
