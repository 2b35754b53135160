"""The loop metrics of one scope and period, as figures and as the rows every screen prints.

``loop_report`` runs the queries once; ``report_rows`` turns the figures into (section,
measure, value) rows that the metrics pages, the CSV export and ``manage.py loop_metrics``
all print, so they cannot disagree.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from referrals.metrics import figures, journeys, queries
from referrals.metrics.figures import Rate
from referrals.metrics.queries import CLOSURE_DAYS, Period, Scope
from referrals.models import PatientReportedOutcome, ReferralEvent

BETTER = (
    PatientReportedOutcome.GlobalImpression.MUCH_BETTER,
    PatientReportedOutcome.GlobalImpression.BETTER,
)


@dataclass(frozen=True)
class ProcedureOutcome:
    """Pain outcomes of one procedure: referrals with a baseline and a later score, and what changed."""

    procedure: str
    done: int
    no_baseline: int
    no_follow_up: int
    changes: tuple[int, ...]
    improved: Rate
    patient_better: Rate

    @property
    def mean_change(self) -> float | None:
        return sum(self.changes) / len(self.changes) if self.changes else None


@dataclass(frozen=True)
class Quarter:
    """The referrals submitted in one calendar quarter and how many have been completed so far."""

    start: datetime.date
    closed: Rate

    @property
    def label(self) -> str:
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class LoopReport:
    scope: Scope
    period: Period
    received: int
    sent_on: int
    emergencies: Rate
    accepted_first: Rate
    moved_on: Rate
    moves: int
    accept_hours: tuple[float, ...]
    first_visit_hours: tuple[float, ...]
    closed_within: dict[int, Rate]
    open_past_90: Rate
    no_shows: Rate
    decline_reasons: list[tuple[str, int]]
    quarters: list[Quarter]
    outcomes: list[ProcedureOutcome]
    practices: list[dict[str, Any]] = field(default_factory=list)


def _latest_score(row: dict[str, Any]) -> int | None:
    """The latest pain score after the procedure: a follow-up visit's or the patient's own report."""
    scores = [
        (at, score)
        for at, score in ((row["visit_at"], row["visit_score"]), (row["reported_at"], row["reported_score"]))
        if at is not None and score is not None and at > row["procedure_at"]
    ]
    return max(scores)[1] if scores else None


def procedure_outcomes(rows: list[dict[str, Any]]) -> list[ProcedureOutcome]:
    """Outcome figures per procedure from ``queries.procedure_outcome_rows``, by procedure name."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["procedure"]].append(row)
    outcomes = []
    for name, group in sorted(grouped.items()):
        pairs = [(row["pain_score"], _latest_score(row)) for row in group if row["pain_score"] is not None]
        paired = [(baseline, latest) for baseline, latest in pairs if latest is not None]
        answered = [row["impression"] for row in group if row["impression"]]
        outcomes.append(
            ProcedureOutcome(
                procedure=name,
                done=len(group),
                no_baseline=len(group) - len(pairs),
                no_follow_up=len(pairs) - len(paired),
                changes=tuple(latest - baseline for baseline, latest in paired),
                improved=Rate(sum(figures.is_meaningful_improvement(b, la) for b, la in paired), len(paired)),
                patient_better=Rate(sum(answer in BETTER for answer in answered), len(answered)),
            )
        )
    return outcomes


def loop_report(
    scope: Scope, period: Period, *, now: datetime.datetime | None = None, side_by_side: bool = False
) -> LoopReport:
    """Every loop metric for ``scope`` in ``period`` (plus each practice's, if ``side_by_side``)."""
    now = now or timezone.now()
    trips = journeys.journeys(scope, period)
    counts = journeys.loop_counts(trips, now=now)
    accept_hours, visit_hours = journeys.waits(trips)
    sent_on = counts["received"] - counts["emergencies"]
    return LoopReport(
        scope=scope,
        period=period,
        received=counts["received"],
        sent_on=sent_on,
        emergencies=Rate(counts["emergencies"], counts["received"]),
        accepted_first=Rate(counts["accepted_first"], sent_on),
        moved_on=Rate(counts["moved_on"], sent_on),
        moves=counts["all_moves"],
        accept_hours=accept_hours,
        first_visit_hours=visit_hours,
        closed_within={d: Rate(counts[f"closed_{d}"], counts[f"eligible_{d}"]) for d in CLOSURE_DAYS},
        open_past_90=Rate(counts["open_past_90"], counts["eligible_90"]),
        no_shows=Rate(counts["no_shows"], counts["held"]),
        decline_reasons=queries.decline_reasons(scope, period),
        quarters=[
            Quarter(start=start, closed=Rate(closed, received))
            for start, received, closed in journeys.closure_by_quarter(trips)
        ],
        outcomes=procedure_outcomes(queries.procedure_outcome_rows(scope, period)),
        practices=queries.practices_side_by_side(period) if side_by_side else [],
    )


def _wait_text(hours: tuple[float, ...]) -> tuple[str, str]:
    return (
        figures.hours_text(figures.median(hours)),
        figures.hours_text(figures.percentile_nearest_rank(hours, 0.9)),
    )


REASON_LABELS = dict(ReferralEvent.Reason.choices)


def report_rows(report: LoopReport) -> list[tuple[str, str, str]]:
    """(section, measure, value) rows of every figure in ``report``, in reading order."""
    accept_median, accept_p90 = _wait_text(report.accept_hours)
    visit_median, visit_p90 = _wait_text(report.first_visit_hours)
    rows = [
        ("Referrals", "Referrals received", str(report.received)),
        ("Referrals", "Screened as emergencies (sent to emergency care)", str(report.emergencies)),
        ("Referrals", "Accepted by the first practice offered", str(report.accepted_first)),
        ("Referrals", "Moved on (declined, not answered in time or not delivered)", str(report.moved_on)),
        ("Referrals", "Moves in all", str(report.moves)),
        ("Waits", f"Submission to acceptance, median ({len(report.accept_hours)} accepted)", accept_median),
        ("Waits", "Submission to acceptance, 90th percentile", accept_p90),
        (
            "Waits",
            f"Submission to first appointment, median ({len(report.first_visit_hours)} booked)",
            visit_median,
        ),
        ("Waits", "Submission to first appointment, 90th percentile", visit_p90),
    ]
    rows += [
        ("Loop closure", f"Completed with the outcome returned within {days} days", str(rate))
        for days, rate in report.closed_within.items()
    ]
    rows.append(("Loop closure", "Still open more than 90 days after submission", str(report.open_past_90)))
    rows.append(("Appointments", "No-shows among appointments that fell due", str(report.no_shows)))
    rows += [
        ("Decline reasons", REASON_LABELS.get(reason, reason or "No reason given"), str(n))
        for reason, n in report.decline_reasons
    ]
    for outcome in report.outcomes:
        rows += outcome_rows(outcome)
    return rows


def outcome_rows(outcome: ProcedureOutcome) -> list[tuple[str, str, str]]:
    section = f"Outcomes: {outcome.procedure}"
    mean = "-" if outcome.mean_change is None else f"{outcome.mean_change:+.1f} points"
    return [
        (section, "Procedures done", str(outcome.done)),
        (section, "Without a baseline pain score", str(outcome.no_baseline)),
        (section, "With a baseline but no later score yet", str(outcome.no_follow_up)),
        (section, f"Mean change in pain, 0-10 ({len(outcome.changes)} with both scores)", mean),
        (section, "Clinically meaningful improvement (at least 30% and 2 points)", str(outcome.improved)),
        (section, "Patients who said they feel better or much better", str(outcome.patient_better)),
    ]
