"""Enrolling and un-enrolling practices, with what that means for their referrals (docs/workflow.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from directory.models import Practice
from directory.services import practice_unenrol
from referrals import services
from referrals.models import Referral, ReferralEvent


@transaction.atomic
def practice_withdraw(*, practice: Practice, actor: Any) -> int:
    """Un-enrol ``practice`` and move each of its pending referrals on at once; returns how many moved.

    Each move is a ``practice_unenrolled`` event naming the practice, so none is left
    waiting on a practice that no longer receives referrals.
    """
    practice_unenrol(practice=practice)
    pending = Referral.objects.select_for_update().filter(practice=practice, status=Referral.Status.PENDING)
    moved = 0
    for referral in pending.order_by("created_at", "id"):
        services.referral_move_on(
            referral=referral,
            kind=ReferralEvent.Kind.PRACTICE_UNENROLLED,
            actor=actor if actor is not None and actor.is_authenticated else None,
            comment=f"{practice.name} no longer receives referrals through the portal.",
        )
        moved += 1
    return moved
