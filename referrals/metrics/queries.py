"""The reads behind the loop metrics: a fixed handful of plain queries, whatever the volume.

Everything is computed from the referrals, their timeline events, appointments and the
patients' own reports: no second copy of the data. Each query walks its table once for the
whole scope (grouped per referral, or per reason, or per practice); no query runs once per
referral. The same ORM code runs on SQLite and PostgreSQL. ``journeys`` reads the milestones
of each referral; this module holds the scope, the period and the other reads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
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


def in_scope(rows: QuerySet[Any], scope: Scope, period: Period) -> QuerySet[Any]:
    """The events or appointments of the referrals in scope; for a practice, only its own.

    A practice's figures count the steps it took itself, never another practice's. A step at a
    practice exists only once the referral was offered to it, so for a practice "its own
    steps" already names the referrals offered to it, without looking them up again.
    """
    start, end = period.bounds()
    rows = rows.filter(referral__created_at__gte=start, referral__created_at__lt=end).order_by()
    if scope.clinician_id is not None:
        rows = rows.filter(referral__clinician_id=scope.clinician_id)
    if scope.practice_id is not None:
        rows = rows.filter(practice_id=scope.practice_id)
    return rows


def decline_reasons(scope: Scope, period: Period) -> list[tuple[str, int]]:
    """(reason code, declines) for the declines in scope, most frequent first."""
    declines = in_scope(ReferralEvent.objects.filter(kind=Kind.DECLINED), scope, period)
    rows = declines.values("reason").annotate(n=Count("pk")).order_by("-n", "reason")
    return [(row["reason"], row["n"]) for row in rows]


LatestRows = dict[int, tuple[Any, ...]]


def _latest_per_referral(rows: QuerySet[Any]) -> LatestRows:
    """The first row of each referral in ``rows`` (ordered by referral, then as wanted), sans id."""
    latest: LatestRows = {}
    for referral_id, *values in rows:
        latest.setdefault(referral_id, tuple(values))
    return latest


def _fulfilled_procedures(scope: Scope, period: Period) -> QuerySet[Appointment]:
    """The fulfilled procedure visits in scope (at the practice, for a practice)."""
    done = Appointment.objects.filter(kind=Appointment.Kind.PROCEDURE, status=Appointment.Status.FULFILLED)
    return in_scope(done, scope, period)


def _latest_scores(referral_ids: QuerySet[Any]) -> tuple[LatestRows, LatestRows]:
    """Per referral: its latest scored follow-up visit, and the patient's latest own report."""
    visits = Appointment.objects.filter(
        referral__in=referral_ids,
        kind=Appointment.Kind.FOLLOW_UP,
        status=Appointment.Status.FULFILLED,
        pain_score__isnull=False,
    ).order_by("referral_id", "-starts_at", "-id")
    reports = PatientReportedOutcome.objects.filter(referral__in=referral_ids).order_by(
        "referral_id", "-reported_at", "-id"
    )
    return (
        _latest_per_referral(visits.values_list("referral_id", "pain_score", "starts_at")),
        _latest_per_referral(
            reports.values_list("referral_id", "pain_score", "reported_at", "global_impression")
        ),
    )


def procedure_outcome_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """One row per referral whose procedure was done: baseline, procedure, latest scores after it.

    Three reads for the whole scope: the fulfilled procedures with their referral's baseline,
    the scored follow-up visits, and the patients' own reports.
    """
    procedures = _fulfilled_procedures(scope, period)
    first_procedure = _latest_per_referral(
        procedures.order_by("referral_id", "starts_at", "id").values_list(
            "referral_id",
            "starts_at",
            "procedure_performed__name",
            "referral__requested_procedure__name",
            "referral__pain_score",
        )
    )
    visit_scores, reports = _latest_scores(procedures.values("referral_id"))
    rows = []
    for pk, (procedure_at, performed, requested, baseline) in first_procedure.items():
        visit_score, visit_at = visit_scores.get(pk, (None, None))
        reported_score, reported_at, impression = reports.get(pk, (None, None, None))
        rows.append(
            {
                "pain_score": baseline,
                "procedure": performed or requested or "Procedure not named",
                "procedure_at": procedure_at,
                "visit_score": visit_score,
                "visit_at": visit_at,
                "reported_score": reported_score,
                "reported_at": reported_at,
                "impression": impression,
            }
        )
    return rows


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
