"""The reads behind the loop metrics: a fixed handful of aggregate queries, whatever the volume.

Everything is computed from the referrals, their timeline events, appointments and the
patients' own reports: no second copy of the data. Counts are aggregated in the database;
only the waits (for percentiles) and the procedure referrals (for outcomes) come back as rows.
The same ORM code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from referrals.models import Appointment, PatientReportedOutcome, Referral, ReferralEvent

Kind = ReferralEvent.Kind
Status = Referral.Status
EMERGENCY = "emergency"
CLOSURE_DAYS = (30, 60, 90)
# A move: the practice holding the referral is out of the running and it goes on to the next.
MOVE_KINDS = (Kind.DECLINED, Kind.TIMED_OUT, Kind.DELIVERY_FAILED)
OFFER_KINDS = (Kind.ROUTED, Kind.ROUTED_BY_HAND)
# Still waiting for someone to act: the loop is not closed.
OPEN_STATUSES = (Status.PENDING, Status.ACCEPTED, Status.SCHEDULED, Status.IN_TREATMENT, Status.UNROUTABLE)
HELD_VISITS = (Appointment.Status.ARRIVED, Appointment.Status.FULFILLED, Appointment.Status.NO_SHOW)


@dataclass(frozen=True)
class Scope:
    """Whose referrals: those offered to one practice (and the steps it took), one clinician's, or all."""

    label: str
    practice_id: int | None = None
    clinician_id: int | None = None


@dataclass(frozen=True)
class Period:
    """Referrals submitted from ``since`` to ``until``, both days included (local time)."""

    since: datetime.date
    until: datetime.date

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        start = datetime.datetime.combine(self.since, datetime.time.min)
        end = datetime.datetime.combine(self.until + datetime.timedelta(days=1), datetime.time.min)
        return timezone.make_aware(start), timezone.make_aware(end)


def scoped_referrals(scope: Scope, period: Period) -> QuerySet[Referral]:
    """The referrals submitted in ``period`` that ``scope`` covers."""
    start, end = period.bounds()
    # No ordering: every read here aggregates or groups, and a sort would be wasted work.
    referrals = Referral.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
    if scope.clinician_id is not None:
        referrals = referrals.filter(clinician_id=scope.clinician_id)
    if scope.practice_id is not None:
        offered = ReferralEvent.objects.filter(
            referral=OuterRef("pk"), kind__in=OFFER_KINDS, practice_id=scope.practice_id
        )
        referrals = referrals.filter(Exists(offered))
    return referrals


def _at_practice(rows: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    # A practice's figures count the steps it took itself, never another practice's.
    return rows if scope.practice_id is None else rows.filter(practice_id=scope.practice_id)


def with_milestones(referrals: QuerySet[Referral], scope: Scope) -> QuerySet[Any, Any]:
    """``referrals`` with ``accepted_at``, ``completed_at``, ``first_visit_at`` and ``moves``."""
    events = _at_practice(ReferralEvent.objects.filter(referral=OuterRef("pk")), scope).order_by(
        "created_at", "id"
    )
    visits = _at_practice(Appointment.objects.filter(referral=OuterRef("pk")), scope).exclude(
        status=Appointment.Status.CANCELLED
    )
    moves = (
        events.filter(kind__in=MOVE_KINDS).order_by().values("referral").annotate(n=Count("pk")).values("n")
    )
    return referrals.annotate(
        accepted_at=Subquery(events.filter(kind=Kind.ACCEPTED).values("created_at")[:1]),
        completed_at=Subquery(events.filter(kind=Kind.COMPLETED).values("created_at")[:1]),
        first_visit_at=Subquery(visits.order_by("starts_at", "id").values("starts_at")[:1]),
        moves=Coalesce(Subquery(moves, output_field=IntegerField()), 0),
    )


def loop_counts(scope: Scope, period: Period, *, now: datetime.datetime) -> dict[str, int]:
    """Received, emergencies, first-practice acceptances, moves and closure counts, in one query."""
    referrals = with_milestones(scoped_referrals(scope, period), scope)
    sent_on = ~Q(disposition=EMERGENCY)
    open_now = Q(status__in=OPEN_STATUSES)
    if scope.practice_id is not None:
        open_now &= Q(practice_id=scope.practice_id)
    counts: dict[str, Any] = {
        "received": Count("pk"),
        "emergencies": Count("pk", filter=Q(disposition=EMERGENCY)),
        "accepted_first": Count("pk", filter=sent_on & Q(accepted_at__isnull=False, moves=0)),
        "moved_on": Count("pk", filter=sent_on & Q(moves__gt=0)),
        # Named apart from the ``moves`` annotation: the same name would replace it.
        "all_moves": Sum("moves", default=0),
    }
    for days in CLOSURE_DAYS:
        old_enough = sent_on & Q(created_at__lte=now - datetime.timedelta(days=days))
        within = Q(completed_at__lte=F("created_at") + datetime.timedelta(days=days))
        counts[f"eligible_{days}"] = Count("pk", filter=old_enough)
        counts[f"closed_{days}"] = Count("pk", filter=old_enough & within)
    old_90 = sent_on & Q(created_at__lte=now - datetime.timedelta(days=90))
    counts["open_past_90"] = Count("pk", filter=old_90 & open_now)
    return referrals.aggregate(**counts)


def milestone_times(scope: Scope, period: Period) -> list[tuple[Any, Any, Any]]:
    """(submitted, accepted, first visit) for every referral that reached either milestone."""
    referrals = with_milestones(scoped_referrals(scope, period), scope)
    reached = Q(accepted_at__isnull=False) | Q(first_visit_at__isnull=False)
    return list(referrals.filter(reached).values_list("created_at", "accepted_at", "first_visit_at"))


def closure_by_quarter(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Per quarter of submission: referrals sent on to IR, and how many have been completed so far.

    Quarters rather than months: a practice seldom gets ten referrals a month, and a rate over
    fewer than ten is not drawn.
    """
    referrals = with_milestones(scoped_referrals(scope, period), scope).exclude(disposition=EMERGENCY)
    return list(
        referrals.annotate(quarter=TruncQuarter("created_at"))
        .values("quarter")
        .annotate(received=Count("pk"), closed=Count("pk", filter=Q(completed_at__isnull=False)))
        .order_by("quarter")
    )


def visit_counts(scope: Scope, period: Period) -> dict[str, int]:
    """Appointments that fell due (attended or missed) and the no-shows among them."""
    visits = _at_practice(
        Appointment.objects.filter(referral__in=scoped_referrals(scope, period).values("pk")), scope
    )
    return visits.aggregate(
        held=Count("pk", filter=Q(status__in=HELD_VISITS)),
        no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
    )


def decline_reasons(scope: Scope, period: Period) -> list[tuple[str, int]]:
    """(reason code, declines) for the declines in scope, most frequent first."""
    declines = _at_practice(
        ReferralEvent.objects.filter(
            referral__in=scoped_referrals(scope, period).values("pk"), kind=Kind.DECLINED
        ),
        scope,
    )
    rows = declines.values("reason").annotate(n=Count("pk")).order_by("-n", "reason")
    return [(row["reason"], row["n"]) for row in rows]


# What ``procedure_outcome_rows`` reads for each treated referral, besides its baseline.
OUTCOME_COLUMNS = (
    "procedure",
    "procedure_at",
    "visit_score",
    "visit_at",
    "reported_score",
    "reported_at",
    "impression",
)


def _procedures_done(scope: Scope) -> QuerySet[Appointment]:
    """The referral's fulfilled procedure visits (at the practice, for a practice), earliest first."""
    procedures = Appointment.objects.filter(
        referral=OuterRef("pk"), kind=Appointment.Kind.PROCEDURE, status=Appointment.Status.FULFILLED
    )
    return _at_practice(procedures, scope).order_by("starts_at", "id")


def procedure_outcome_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """One row per referral whose procedure was done: baseline, procedure, latest scores after it."""
    procedures = _procedures_done(scope)
    visit_scores = Appointment.objects.filter(
        referral=OuterRef("pk"),
        kind=Appointment.Kind.FOLLOW_UP,
        status=Appointment.Status.FULFILLED,
        pain_score__isnull=False,
    ).order_by("-starts_at", "-id")
    reports = PatientReportedOutcome.objects.filter(referral=OuterRef("pk")).order_by("-reported_at", "-id")
    named = Coalesce(
        Subquery(procedures.values("procedure_performed__name")[:1]),
        F("requested_procedure__name"),
        Value("Procedure not named"),
    )
    rows = (
        scoped_referrals(scope, period)
        .filter(Exists(procedures))
        .annotate(
            procedure=named,
            procedure_at=Subquery(procedures.values("starts_at")[:1]),
            visit_score=Subquery(visit_scores.values("pain_score")[:1]),
            visit_at=Subquery(visit_scores.values("starts_at")[:1]),
            reported_score=Subquery(reports.values("pain_score")[:1]),
            reported_at=Subquery(reports.values("reported_at")[:1]),
            impression=Subquery(reports.values("global_impression")[:1]),
        )
    )
    return list(rows.values("pain_score", *OUTCOME_COLUMNS))


def practices_side_by_side(period: Period) -> list[dict[str, Any]]:
    """Per practice, the referrals submitted in ``period`` it was offered, accepted, moved on, completed.

    Two queries: timeline events grouped by practice and kind, appointments by practice.
    """
    start, end = period.bounds()
    in_period = Q(referral__created_at__gte=start, referral__created_at__lt=end)
    events = (
        ReferralEvent.objects.filter(in_period, practice__isnull=False)
        .filter(kind__in=(*OFFER_KINDS, *MOVE_KINDS, Kind.ACCEPTED, Kind.COMPLETED))
        .values("practice_id", "practice__name", "kind")
        .annotate(n=Count("referral_id", distinct=True))
    )
    visits = (
        Appointment.objects.filter(in_period)
        .values("practice_id")
        .annotate(
            held=Count("pk", filter=Q(status__in=HELD_VISITS)),
            no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
        )
    )
    by_practice: dict[int, dict[str, Any]] = {}
    for row in events:
        entry = by_practice.setdefault(row["practice_id"], {"name": row["practice__name"]})
        kind = (
            "offered"
            if row["kind"] in OFFER_KINDS
            else "moved_on"
            if row["kind"] in MOVE_KINDS
            else row["kind"]
        )
        entry[kind] = entry.get(kind, 0) + row["n"]
    for row in visits:
        if row["practice_id"] in by_practice:
            by_practice[row["practice_id"]].update(held=row["held"], no_shows=row["no_shows"])
    return sorted(by_practice.values(), key=lambda entry: entry["name"])
