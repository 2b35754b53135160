"""The IR office's referral list in the admin: SQL queries and latency for a busy practice.

Builds a database holding --referrals referrals at one practice (with patients, and a
booked visit for every third one, so the "next appointment" column has work to do) plus
--other referrals at other practices, then loads /admin/referrals/referral/ as that
practice's staff member through Django's test client (full middleware, audit entry
included) at several page sizes, sorts and filters. Prints the SQL queries per page and
median / p95 / max time, on SQLite and on PostgreSQL (each in its own process).

    python tests/bench/bench_admin.py [--referrals 10000] [--other 20000] [--requests 60]
                                      [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import bench_patients, counted_queries, percentile, postgres_database  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "irportal_bench_admin"
CHANGELIST = "/admin/referrals/referral/"
# (what, query string): the pages an office opens through the day.
VIEWS = [
    ("newest first", ""),
    ("a middle page", "?p={middle}"),
    ("most urgent first", "?o=3"),
    ("by next appointment", "?o=7"),
    ("pending only", "?status__exact=pending"),
]


def build(referrals: int, other: int, seed: int) -> Any:
    """The busy practice's staff user, after writing the practices, referrals and visits."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from directory.models import Practice, PracticeMembership, Procedure
    from referrals.models import Appointment, Patient, Referral
    from referrals.roles import staff_group
    from triage.rules import ANSWER_KEYS
    from triage.services import assessment_create

    rng = random.Random(seed)
    busy = Practice.objects.create(name="Busy Spine and Vascular")
    others = Practice.objects.bulk_create(Practice(name=f"Other Practice {n}") for n in range(20))
    clinicians = [get_user_model().objects.create(username=f"bench.dr{n}") for n in range(20)]
    staff = get_user_model().objects.create(username="bench.staff", is_staff=True)
    staff.groups.add(staff_group())
    PracticeMembership.objects.create(user=staff, practice=busy)
    assessments = [
        assessment_create(
            age=55, pain_duration_weeks=8, answers={k: k == flag for k in ANSWER_KEYS}, source="referral"
        )
        for flag in ("leg_weakness", "leg_numbness_tingling", "none")
    ]
    procedures = list(Procedure.objects.all())
    statuses = ["pending", "accepted", "scheduled", "in_treatment", "completed", "cancelled"]
    now = datetime.now(tz=UTC)
    minutes = itertools.count()
    batch = 5_000
    for practice_pool, total in (([busy], referrals), (others, other)):
        for offset in range(0, total, batch):
            size = min(batch, total - offset)
            patients = Patient.objects.bulk_create(bench_patients(offset, size))
            rows = Referral.objects.bulk_create(
                Referral(
                    clinician=rng.choice(clinicians),
                    patient=patient,
                    assessment=(assessment := rng.choice(assessments)),
                    disposition=assessment.disposition,
                    clinical_question="Benchmark referral",
                    requested_procedure=rng.choice(procedures),
                    status=rng.choice(statuses),
                    practice=rng.choice(practice_pool),
                    acceptance_deadline=now + timedelta(hours=rng.randint(-48, 72)),
                    created_at=now - timedelta(minutes=offset + n),
                    idempotency_key=str(uuid.uuid4()),
                    request_fingerprint="bench",
                )
                for n, patient in enumerate(patients)
            )
            Appointment.objects.bulk_create(
                Appointment(
                    referral=referral,
                    kind="consult",
                    practice=referral.practice,
                    # One live booking per practice and time: give every visit its own minute.
                    starts_at=now + timedelta(hours=1, minutes=next(minutes)),
                )
                for n, referral in enumerate(rows)
                if n % 3 == 0
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return staff


def measure(staff: Any, requests: int, referrals: int) -> None:
    from django.contrib import admin
    from django.test import Client

    from referrals.models import Referral

    client = Client()
    client.force_login(staff)
    referral_admin = admin.site._registry[Referral]
    print(f"  {'page size':>9}  {'view':<20} {'queries':>7}  {'median':>8}  {'p95':>8}  {'max':>8}")
    for page_size in (20, 50, 200):
        type(referral_admin).list_per_page = page_size
        for what, query in VIEWS:
            # The admin numbers pages from 1.
            url = CHANGELIST + query.format(middle=max(referrals // page_size // 2, 1))
            for _ in range(3):  # warm caches and plans
                assert client.get(url).status_code == 200
            timings: list[float] = []
            counts: set[int] = set()
            for _ in range(requests):
                with counted_queries() as captured:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
                counts.add(len(captured))
            median, p95 = statistics.median(timings), percentile(timings, 0.95)
            print(
                f"  {page_size:>9}  {what:<20} {'/'.join(map(str, sorted(counts))):>7}  "
                f"{median:>6.1f}ms  {p95:>6.1f}ms  {max(timings):>6.1f}ms"
            )


def run_one(args: argparse.Namespace, backend: str) -> None:
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    if backend == "postgres":
        os.environ["DATABASE_URL"] = postgres_database(args.pg_url, PG_DATABASE)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_admin.sqlite3'}"
    sys.path.insert(0, str(ROOT))
    import logging

    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    staff = build(args.referrals, args.other, args.seed)
    from referrals.models import Referral

    print(
        f"\nAdmin referral list on {backend}: {args.referrals:,} referrals at the office's practice, "
        f"{Referral.objects.count():,} in all (built in {time.perf_counter() - started:.0f} s); "
        f"{args.requests} timed loads per row. Goals: fixed queries under 15, p95 under 300 ms.",
        flush=True,
    )
    measure(staff, args.requests, args.referrals)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--other", type=int, default=20_000, help="referrals at other practices")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL, no database")
    args = parser.parse_args()
    if args.backend != "both":
        run_one(args, args.backend)
        return
    # Django's settings are fixed once per process: each database gets its own run.
    for backend in ("sqlite", "postgres"):
        command = [sys.executable, __file__, *sys.argv[1:], "--backend", backend]
        subprocess.run(command, check=True)  # noqa: S603 - our own script, our own arguments


if __name__ == "__main__":
    main()
