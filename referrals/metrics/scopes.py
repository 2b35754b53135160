"""Who may see which loop metrics, through the same access rules as the referrals themselves.

Office staff see the practices they work for; a clinician sees the referrals they made;
coordinators (who route referrals by hand, or hold ``view_all_practice_metrics``) and
superusers see every practice side by side and the portal as a whole.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from directory.enrolment import practice_ids_for_user
from directory.models import Practice
from referrals.metrics.queries import Period, Scope
from referrals.roles import is_coordinator

ALL_PRACTICES_PERMISSION = "referrals.view_all_practice_metrics"
DEFAULT_DAYS = 365
LONGEST_DAYS = 3660


class PeriodError(ValueError):
    """A date range that cannot be read; ``field`` names the parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _day(raw: str | None, *, field: str, default: datetime.date) -> datetime.date:
    if not raw:
        return default
    try:
        return datetime.date.fromisoformat(raw.strip())
    except ValueError as error:
        raise PeriodError(field, f'"{raw[:20]}" is not a date; write it as YYYY-MM-DD.') from error


def period_from(since: str | None, until: str | None) -> Period:
    """The period from ``since`` to ``until`` (YYYY-MM-DD), by default the year up to today."""
    today = timezone.localdate()
    end = _day(until, field="until", default=today)
    start = _day(since, field="since", default=end - datetime.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise PeriodError("since", "The first day comes after the last day.")
    if (end - start).days >= LONGEST_DAYS:
        raise PeriodError("since", "Choose a period of at most ten years.")
    return Period(since=start, until=end)


def sees_all_practices(user: Any) -> bool:
    """Superusers and coordinators: the metrics permission, or routing by hand (coordinators
    see every practice's stuck referrals already)."""
    if not user.is_active:
        return False
    return bool(user.is_superuser or user.has_perm(ALL_PRACTICES_PERMISSION) or is_coordinator(user))


def practices_visible_to(user: Any) -> list[Practice]:
    """The practices whose metrics ``user`` may open, by name (every practice for coordinators)."""
    practices = Practice.objects.order_by("name", "pk")
    if sees_all_practices(user):
        return list(practices)
    return list(practices.filter(pk__in=practice_ids_for_user(user)))


class NotYours(LookupError):
    """The asked practice is not one this user may see (told apart from nothing: a 404)."""


def practice_scope_for(user: Any, practice_id: str | None) -> Scope:
    """The scope ``user`` asked for: one of their practices, or (coordinators only) all of them.

    Without a practice, coordinators get the whole portal and office staff their first practice.
    Raises ``NotYours`` for a practice they may not see, or when they see none.
    """
    if not practice_id and sees_all_practices(user):
        return Scope("All practices")
    visible = practices_visible_to(user)
    if not practice_id:
        if not visible:
            raise NotYours("No practice.")
        return Scope(visible[0].name, practice_id=visible[0].pk)
    chosen = next((p for p in visible if str(p.pk) == practice_id.strip()), None)
    if chosen is None:
        raise NotYours("No such practice.")
    return Scope(chosen.name, practice_id=chosen.pk)


def clinician_scope(user: Any) -> Scope:
    return Scope("Referrals you made", clinician_id=user.pk)
