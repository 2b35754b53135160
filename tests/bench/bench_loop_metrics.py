"""The loop metrics at volume: queries and latency of the metrics page and ``loop_metrics`` command.

Builds --referrals referrals on PostgreSQL (own database) over the last two years across 50
practices, a busy one holding a tenth of them, each with the timeline events, visits,
pain scores and patient reports a real referral leaves (about a fifth move on, most are
accepted, treated and completed). Then, for the busy practice over one year, times
``manage.py loop_metrics --practice`` and the admin "Referral metrics" page as its staff
member (Django's test client, full middleware), beside the admin index page as an anchor,
at a tenth of the volume and at the full volume, so the query counts can be compared.

    python tests/bench/bench_loop_metrics.py [--referrals 100000] [--requests 40]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import bench_patients, counted_queries, percentile, postgres_database  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "irportal_bench_metrics"
PRACTICES = 50
BATCH = 5_000


def _offers(referral: Any, rng: random.Random, practices: list[Any]) -> tuple[list[Any], datetime]:
    """Submission and routing events (a fifth move on once first); returns them and the time after."""
    from referrals.models import ReferralEvent

    clock = referral.created_at
    events = [ReferralEvent(referral=referral, kind="submitted", created_at=clock)]
    if rng.random() < 0.2:
        before = rng.choice(practices)
        events.append(ReferralEvent(referral=referral, kind="routed", practice=before, created_at=clock))
        clock += timedelta(hours=rng.randint(2, 24))
        kind = rng.choice(("declined", "timed_out"))
        reason = "capacity" if kind == "declined" else ""
        events.append(
            ReferralEvent(referral=referral, kind=kind, practice=before, created_at=clock, reason=reason)
        )
    events.append(
        ReferralEvent(referral=referral, kind="routed", practice=referral.practice, created_at=clock)
    )
    return events, clock


def _treatment(
    referral: Any, consult: datetime, rng: random.Random
) -> tuple[list[Any], list[Any], list[Any]]:
    """Procedure, follow-up with a pain score, sometimes the patient's report, completion."""
    from referrals.loop_models import PatientReportedOutcome
    from referrals.models import Appointment, ReferralEvent

    here = referral.practice
    procedure = consult + timedelta(days=rng.randint(5, 20))
    later = max(0, (referral.pain_score or 7) - rng.randint(0, 6))
    visits = [
        Appointment(
            referral=referral, practice=here, kind="procedure", starts_at=procedure, status="fulfilled"
        ),
        Appointment(
            referral=referral,
            practice=here,
            kind="follow_up",
            starts_at=procedure + timedelta(days=14),
            status="fulfilled",
            pain_score=later,
        ),
    ]
    reports = []
    if rng.random() < 0.3:
        reports.append(
            PatientReportedOutcome(
                referral=referral,
                pain_score=later,
                global_impression="better",
                reported_at=procedure + timedelta(days=15),
            )
        )
    events = []
    if referral.status == "completed":
        done = procedure + timedelta(days=rng.randint(15, 60))
        events.append(ReferralEvent(referral=referral, kind="completed", practice=here, created_at=done))
    return events, visits, reports


def _journey(
    referral: Any, rng: random.Random, practices: list[Any]
) -> tuple[list[Any], list[Any], list[Any]]:
    """The events, visits and patient reports of one referral, as a real journey would leave them."""
    from referrals.models import Appointment, ReferralEvent

    events, clock = _offers(referral, rng, practices)
    if referral.status == "pending":
        return events, [], []
    clock += timedelta(hours=rng.randint(1, 60))
    events.append(
        ReferralEvent(referral=referral, kind="accepted", practice=referral.practice, created_at=clock)
    )
    consult = clock + timedelta(days=rng.randint(3, 20))
    status = "no_show" if rng.random() < 0.07 else "fulfilled"
    visits = [
        Appointment(
            referral=referral, practice=referral.practice, kind="consult", starts_at=consult, status=status
        )
    ]
    if referral.status in ("accepted", "scheduled"):
        return events, visits, []
    more_events, more_visits, reports = _treatment(referral, consult, rng)
    return events + more_events, visits + more_visits, reports


def build(total: int, first: int, rng: random.Random, context: dict[str, Any]) -> None:
    """Add ``total`` referrals (numbered from ``first``) with their journeys."""
    from referrals.loop_models import PatientReportedOutcome
    from referrals.models import Appointment, Patient, Referral, ReferralEvent

    now = datetime.now(tz=UTC)
    practices, busy = context["practices"], context["practices"][0]
    statuses = ["pending"] + ["accepted"] * 2 + ["in_treatment"] * 2 + ["completed"] * 5 + ["cancelled"]
    for offset in range(0, total, BATCH):
        size = min(BATCH, total - offset)
        patients = Patient.objects.bulk_create(bench_patients(first + offset, size))
        referrals = Referral.objects.bulk_create(
            Referral(
                clinician=rng.choice(context["clinicians"]),
                patient=patient,
                assessment=context["assessment"],
                disposition="urgent",
                clinical_question="Benchmark referral",
                requested_procedure=context["procedure"],
                pain_score=rng.choice((None, 5, 6, 7, 8, 9)),
                status=rng.choice(statuses),
                practice=busy if rng.random() < 0.1 else rng.choice(practices),
                created_at=now - timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60)),
                idempotency_key=str(uuid.uuid4()),
                request_fingerprint="bench",
            )
            for patient in patients
        )
        journeys = [_journey(referral, rng, practices) for referral in referrals]
        ReferralEvent.objects.bulk_create(e for events, _, _ in journeys for e in events)
        Appointment.objects.bulk_create(v for _, visits, _ in journeys for v in visits)
        PatientReportedOutcome.objects.bulk_create(r for _, _, reports in journeys for r in reports)


def setup_people() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from directory.models import Practice, PracticeMembership, Procedure
    from referrals.roles import staff_group
    from triage.rules import ANSWER_KEYS
    from triage.services import assessment_create

    practices = list(
        Practice.objects.bulk_create(Practice(name=f"Bench Practice {n:02d}") for n in range(PRACTICES))
    )
    staff = get_user_model().objects.create(username="bench.staff", is_staff=True)
    staff.groups.add(staff_group())
    PracticeMembership.objects.create(user=staff, practice=practices[0])
    return {
        "practices": practices,
        "staff": staff,
        "clinicians": [get_user_model().objects.create(username=f"bench.dr{n}") for n in range(40)],
        "assessment": assessment_create(
            age=55,
            pain_duration_weeks=8,
            answers={k: k == "leg_weakness" for k in ANSWER_KEYS},
            source="referral",
        ),
        "procedure": Procedure.objects.get(slug="epidural-steroid-injection"),
    }


def existing_people() -> dict[str, Any]:
    """The practices and staff member an earlier run made."""
    from django.contrib.auth import get_user_model

    from directory.models import Practice

    practices = list(Practice.objects.filter(name__startswith="Bench Practice").order_by("name"))
    return {"practices": practices, "staff": get_user_model().objects.get(username="bench.staff")}


def timed(action: Callable[[], Any], requests: int) -> tuple[str, float, float]:
    """(query counts seen, median ms, p95 ms) of ``action`` after three warm-up calls."""

    for _ in range(3):
        action()
    timings: list[float] = []
    counts: set[int] = set()
    for _ in range(requests):
        with counted_queries() as captured:
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        counts.add(len(captured))
    return "/".join(map(str, sorted(counts))), statistics.median(timings), percentile(timings, 0.95)


def measure(context: dict[str, Any], requests: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from referrals.models import Referral

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    busy = context["practices"][0]
    client = Client()
    client.force_login(context["staff"])
    since = (datetime.now(tz=UTC) - timedelta(days=364)).date().isoformat()
    offered = (
        Referral.objects.filter(created_at__gte=since, events__practice=busy, events__kind="routed")
        .distinct()
        .count()
    )

    def page() -> None:
        assert (
            client.get("/admin/referrals/loopmetrics/", {"practice": busy.pk, "since": since}).status_code
            == 200
        )

    def command() -> None:
        call_command("loop_metrics", "--practice", str(busy.pk), "--since", since, stdout=io.StringIO())

    def anchor() -> None:
        assert client.get("/admin/").status_code == 200

    print(f"  {Referral.objects.count():,} referrals in all; {offered:,} offered to the busy one in the year")
    print(f"  {'what':<40} {'queries':>7}  {'median':>8}  {'p95':>8}")
    actions = {"anchor: admin index page": anchor, "metrics page, busy practice, one year": page}
    for what, action in {**actions, "loop_metrics command, same figures": command}.items():
        counts, median, p95 = timed(action, requests)
        print(f"  {what:<40} {counts:>7}  {median:>6.1f}ms  {p95:>6.1f}ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL, no database")
    parser.add_argument("--reuse", action="store_true", help="time the database an earlier run built")
    args = parser.parse_args()
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DATABASE_URL"] = postgres_database(args.pg_url, PG_DATABASE, keep=args.reuse)
    import logging

    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    print("Loop metrics on PostgreSQL. Goals: the same queries at both volumes, p95 under 300 ms.")
    if args.reuse:
        print("\nOn the database an earlier run built:")
        measure(existing_people(), args.requests)
        return
    rng = random.Random(args.seed)
    context = setup_people()
    tenth = args.referrals // 10
    for done, total in ((0, tenth), (tenth, args.referrals - tenth)):
        started = time.perf_counter()
        build(total, done, rng, context)
        print(
            f"\nAt {done + total:,} referrals (built in {time.perf_counter() - started:.0f} s):", flush=True
        )
        measure(context, args.requests)


if __name__ == "__main__":
    main()
