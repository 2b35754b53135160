"""Ending a referral: completed with its outcome (the loop closed), or cancelled by either side."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from referrals.access import Action
from referrals.models import Appointment, Referral, ReferralEvent
from referrals.services.checks import authorize, locked, required_text
from referrals.services.timeline import record_event

Status = Referral.Status
EventKind = ReferralEvent.Kind


@transaction.atomic
def referral_complete(*, referral: Referral, user: Any, outcome_summary: str) -> Referral:
    """Close the loop: store the outcome for the referring clinician and mark it completed."""
    outcome = required_text(outcome_summary, field_name="outcome_summary", what="the outcome")
    referral = locked(referral)
    authorize(Action.COMPLETE, user=user, referral=referral)
    from_status = referral.status
    referral.status = Status.COMPLETED
    referral.outcome_summary = outcome
    referral.save(update_fields=["status", "outcome_summary", "updated_at"])
    record_event(
        referral, kind=EventKind.COMPLETED, actor=user, from_status=from_status, practice=referral.practice
    )
    return referral


@transaction.atomic
def referral_cancel(*, referral: Referral, user: Any, reason: str) -> Referral:
    """Cancel from either side with a reason; booked visits are cancelled with it."""
    text = required_text(reason, field_name="reason", what="a reason")
    referral = locked(referral)
    authorize(Action.CANCEL, user=user, referral=referral)
    from_status = referral.status
    referral.status = Status.CANCELLED
    referral.acceptance_deadline = None
    referral.save(update_fields=["status", "acceptance_deadline", "updated_at"])
    referral.appointments.filter(status__in=Appointment.SLOT_HOLDING_STATUSES).update(
        status=Appointment.Status.CANCELLED, updated_at=timezone.now()
    )
    record_event(
        referral,
        kind=EventKind.CANCELLED,
        actor=user,
        from_status=from_status,
        practice=referral.practice,
        comment=text,
    )
    return referral
