"""Each referral's journey in a scope and period, read once, and the loop figures counted from it.

Two plain reads, whatever the volume: the timeline events in scope (for a practice, its
own) grouped per referral, with the referral's own columns: first acceptance, first
completion, moves; and the appointments grouped per referral: first visit, visits held,
no-shows. The counts, the
waits and the closure per quarter are then worked out from those rows, so the database walks
each table once instead of once per figure. The contract is docs/metrics.md.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from referrals.metrics.queries import (
    CLOSURE_DAYS,
    EMERGENCY,
    HELD_VISITS,
    MOVE_KINDS,
    OPEN_STATUSES,
    Period,
    Scope,
    in_scope,
)
from referrals.models import Appointment, ReferralEvent

Kind = ReferralEvent.Kind


@dataclass(frozen=True)
class Journey:
    """One referral's milestones, as the scope sees them (a practice sees only its own steps)."""

    created_at: datetime.datetime
    emergency: bool
    open_here: bool
    accepted_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    first_visit_at: datetime.datetime | None = None
    moves: int = 0
    held: int = 0
    no_shows: int = 0

    def closed_within(self, days: int) -> bool:
        limit = self.created_at + datetime.timedelta(days=days)
        return self.completed_at is not None and self.completed_at <= limit


def _event_milestones(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Per referral in scope: its own columns, first acceptance, first completion and moves.

    Every referral has a "submitted" event and every referral offered to a practice a
    "routed" one there, so grouping the events in scope lists every referral in scope.
    """
    events = in_scope(ReferralEvent.objects.all(), scope, period)
    return list(
        events.values(
            "referral_id",
            "referral__created_at",
            "referral__disposition",
            "referral__status",
            "referral__practice_id",
        ).annotate(
            accepted_at=Min("created_at", filter=Q(kind=Kind.ACCEPTED)),
            completed_at=Min("created_at", filter=Q(kind=Kind.COMPLETED)),
            moves=Count("pk", filter=Q(kind__in=MOVE_KINDS)),
        )
    )


def _visit_milestones(scope: Scope, period: Period) -> dict[int, dict[str, Any]]:
    visits = in_scope(Appointment.objects.all(), scope, period)
    rows = visits.values("referral_id").annotate(
        first_visit_at=Min("starts_at", filter=~Q(status=Appointment.Status.CANCELLED)),
        held=Count("pk", filter=Q(status__in=HELD_VISITS)),
        no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
    )
    return {row.pop("referral_id"): row for row in rows}


def journeys(scope: Scope, period: Period) -> list[Journey]:
    """The journey of every referral submitted in ``period`` that ``scope`` covers."""
    visits = _visit_milestones(scope, period)
    journeys = []
    for row in _event_milestones(scope, period):
        here = scope.practice_id is None or row["referral__practice_id"] == scope.practice_id
        journeys.append(
            Journey(
                created_at=row["referral__created_at"],
                emergency=row["referral__disposition"] == EMERGENCY,
                open_here=here and row["referral__status"] in OPEN_STATUSES,
                accepted_at=row["accepted_at"],
                completed_at=row["completed_at"],
                moves=row["moves"],
                **visits.get(row["referral_id"], {}),
            )
        )
    return journeys


def loop_counts(journeys: list[Journey], *, now: datetime.datetime) -> dict[str, int]:
    """Received, emergencies, first-practice acceptances, moves, closure and visit counts."""
    sent_on = [journey for journey in journeys if not journey.emergency]
    counts = {
        "received": len(journeys),
        "emergencies": len(journeys) - len(sent_on),
        "accepted_first": sum(j.accepted_at is not None and j.moves == 0 for j in sent_on),
        "moved_on": sum(j.moves > 0 for j in sent_on),
        "all_moves": sum(j.moves for j in journeys),
        "held": sum(j.held for j in journeys),
        "no_shows": sum(j.no_shows for j in journeys),
    }
    for days in CLOSURE_DAYS:
        old_enough = [j for j in sent_on if j.created_at <= now - datetime.timedelta(days=days)]
        counts[f"eligible_{days}"] = len(old_enough)
        counts[f"closed_{days}"] = sum(j.closed_within(days) for j in old_enough)
        if days == 90:
            counts["open_past_90"] = sum(j.open_here for j in old_enough)
    return counts


def waits(journeys: list[Journey]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Hours from submission to acceptance, and to the first appointment, each sorted."""

    def hours(later: datetime.datetime | None, earlier: datetime.datetime) -> float | None:
        return None if later is None else (later - earlier).total_seconds() / 3600

    accept = [h for j in journeys if (h := hours(j.accepted_at, j.created_at)) is not None]
    visit = [h for j in journeys if (h := hours(j.first_visit_at, j.created_at)) is not None]
    return tuple(sorted(accept)), tuple(sorted(visit))


def quarter_start(moment: datetime.datetime) -> datetime.date:
    local = timezone.localtime(moment)
    return datetime.date(local.year, 3 * ((local.month - 1) // 3) + 1, 1)


def closure_by_quarter(journeys: list[Journey]) -> list[tuple[datetime.date, int, int]]:
    """(quarter start, referrals sent on to IR, completed so far) per quarter of submission.

    Quarters rather than months: a practice seldom gets ten referrals a month, and a rate over
    fewer than ten is not drawn.
    """
    received: Counter[datetime.date] = Counter()
    closed: Counter[datetime.date] = Counter()
    for journey in journeys:
        if not journey.emergency:
            quarter = quarter_start(journey.created_at)
            received[quarter] += 1
            closed[quarter] += journey.completed_at is not None
    return [(quarter, received[quarter], closed[quarter]) for quarter in sorted(received)]
