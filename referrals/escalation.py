"""Moving on referrals that a practice left waiting past its acceptance deadline."""

from __future__ import annotations

import datetime

from django.utils import timezone

from referrals import selectors, services


def referrals_time_out_overdue(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Move every pending referral past its deadline to the next candidate; returns how many moved.

    Each move is the core ``referral_time_out`` service (event, notifications, re-routing), which
    locks the referral and re-checks it, so a referral moves once however many workers race.
    """
    now = now or timezone.now()
    moved = 0
    for referral in selectors.referrals_past_deadline(now)[:limit]:
        moved += services.referral_time_out(referral=referral, now=now)
    return moved
