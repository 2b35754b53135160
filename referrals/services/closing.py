"""Ending a referral: completed with its outcome (the loop closed), or cancelled by either side."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from referrals.models import Appointment, Referral
from referrals.services.checks import required_text
from referrals.services.transition import referral_transition
from referrals.workflow import Action


@transaction.atomic
def referral_complete(*, referral: Referral, user: Any, outcome_summary: str) -> Referral:
    """Close the loop: store the outcome for the referring clinician and mark it completed."""
    outcome = required_text(outcome_summary, field_name="outcome_summary", what="the outcome")
    with referral_transition(Action.COMPLETE, referral=referral, user=user) as change:
        change.fields["outcome_summary"] = outcome
    return referral


@transaction.atomic
def referral_cancel(*, referral: Referral, user: Any, reason: str) -> Referral:
    """Cancel from either side with a reason; booked visits are cancelled with it."""
    text = required_text(reason, field_name="reason", what="a reason")
    with referral_transition(Action.CANCEL, referral=referral, user=user) as change:
        change.fields["acceptance_deadline"] = None
        change.comment = text
        referral.appointments.filter(status__in=Appointment.SLOT_HOLDING_STATUSES).update(
            status=Appointment.Status.CANCELLED, updated_at=timezone.now()
        )
    return referral
