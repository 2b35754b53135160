"""The practice answers a referral: it accepts, declines or lets the deadline pass (move on)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from referrals.models import Referral, ReferralEvent
from referrals.services.checks import locked
from referrals.services.errors import InvalidInput
from referrals.services.route import referral_route
from referrals.services.timeline import queue_notifications
from referrals.services.transition import referral_transition
from referrals.workflow import Action

Status = Referral.Status
EventKind = ReferralEvent.Kind


@transaction.atomic
def referral_accept(*, referral: Referral, user: Any) -> Referral:
    """Accept ``referral`` for the user's practice; exactly one of concurrent accepts succeeds."""
    with referral_transition(Action.ACCEPT, referral=referral, user=user) as change:
        change.fields["acceptance_deadline"] = None
    return referral


@transaction.atomic
def referral_decline(*, referral: Referral, user: Any, reason: str, comment: str = "") -> Referral:
    """Decline with a coded reason; the referral moves on to the next candidate (or unroutable)."""
    if reason not in ReferralEvent.Reason.values:
        raise InvalidInput({"reason": [f"Choose one of {', '.join(ReferralEvent.Reason.values)}."]})
    if reason == ReferralEvent.Reason.OTHER and not comment.strip():
        raise InvalidInput({"comment": ["Say why in a comment when the reason is 'other'."]})
    with referral_transition(Action.DECLINE, referral=referral, user=user) as change:
        change.reason = reason
        change.comment = comment.strip()
    return referral_route(referral=referral)


@transaction.atomic
def referral_time_out(*, referral: Referral, now: datetime.datetime | None = None) -> bool:
    """Move a referral whose practice missed the deadline to the next candidate.

    Safe to run twice or concurrently: returns False, changing nothing, unless the
    referral is still pending past its deadline once locked.
    """
    referral = locked(referral)
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
    queue_notifications(referral, event)
    return referral_route(referral=referral)
