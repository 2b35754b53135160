"""Outbox delivery on PostgreSQL + Redis with two live Celery workers.

Starts a private redis-server on a free loopback port and two workers (prefork, --concurrency
each) that send through a no-op e-mail backend, then prints:

- throughput of per-message delivery tasks (one task per outbox row, as after each commit);
- throughput of the sweep (batches claimed with SKIP LOCKED, the path a broker outage takes);
- the delay from commit to delivery (median, p95, max) for rows written one by one while
  the workers are idle.

    python tests/bench/bench_outbox.py [--messages 5000] [--samples 200] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import percentile, postgres_database  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(port: int) -> subprocess.Popen[bytes]:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 -- fixed arguments
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def start_worker(name: str, env: dict[str, str], concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "portal", "worker", "-n", f"{name}@%h", "-c", str(concurrency), "-l", "WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(  # noqa: S603 -- our own worker, fixed arguments
        command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def scene() -> Any:
    """One referral to hang the outbox rows on (the rows' content does not change the cost)."""
    from directory.models import Practice
    from referrals.models import Referral
    from tests.referrals.factories import ReferralFactory, UserFactory

    practice = Practice.objects.create(name="Bench Spine and Vascular")
    return ReferralFactory.create(
        practice=practice, status=Referral.Status.ACCEPTED, clinician=UserFactory.create()
    )


def outbox_rows(referral: Any, count: int) -> list[int]:
    from referrals.models import NotificationOutbox

    rows = NotificationOutbox.objects.bulk_create(
        NotificationOutbox(
            recipient_kind="clinician",
            recipient_address="dr.bench@clinic.example",
            event_kind="accepted",
            referral=referral,
            payload={"referral": str(referral.public_id)},
        )
        for _ in range(count)
    )
    return [row.pk for row in rows]


def wait_until_sent(ids: list[int], timeout: float = 300) -> float:
    from referrals.models import NotificationOutbox

    stop_at = time.monotonic() + timeout
    while time.monotonic() < stop_at:
        if not NotificationOutbox.objects.filter(pk__in=ids).exclude(status="sent").exists():
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit("messages were not all delivered in time")


def per_message_throughput(referral: Any, count: int) -> tuple[float, float]:
    from referrals.tasks import deliver_notification

    ids = outbox_rows(referral, count)
    started = time.monotonic()
    for pk in ids:
        deliver_notification.delay(pk)
    published = time.monotonic()
    done = wait_until_sent(ids)
    return count / (done - started), count / (published - started)


def sweep_throughput(referral: Any, count: int, sweeps: int) -> float:
    from referrals.tasks import deliver_pending_notifications

    ids = outbox_rows(referral, count)
    started = time.monotonic()
    for _ in range(sweeps):
        deliver_pending_notifications.delay()
    done = wait_until_sent(ids)
    return count / (done - started)


def commit_to_delivery(referral: Any, samples: int) -> list[float]:
    from django.db import transaction

    from referrals import notifications
    from referrals.models import NotificationOutbox

    committed: dict[int, float] = {}
    for _ in range(samples):
        with transaction.atomic():
            [pk] = outbox_rows(referral, 1)
            notifications.deliver_after_commit([pk])
        # Taken after the commit and its publish: the delay counts from the moment the row was
        # visible to the workers at the latest.
        committed[pk] = time.time()
        time.sleep(0.02)
    wait_until_sent(list(committed))
    sent = dict(NotificationOutbox.objects.filter(pk__in=list(committed)).values_list("pk", "sent_at"))
    return [max(0.0, sent_at.timestamp() - committed[pk]) for pk, sent_at in sent.items() if sent_at]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--pg-database", default="irportal_bench_outbox")
    args = parser.parse_args()

    database_url = postgres_database(args.pg_url, args.pg_database)
    port = free_port()
    redis = start_redis(port)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "600",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    referral = scene()
    logs = Path(tempfile.gettempdir())  # worker logs, for a failed run
    workers = [
        start_worker(f"bench{n}", env, args.concurrency, logs / f"bench-outbox-{n}.log") for n in (1, 2)
    ]
    try:
        time.sleep(4)  # let both workers connect and fork their pools
        commit_to_delivery(referral, 10)  # warm every worker process's imports and connections
        rate, publish_rate = per_message_throughput(referral, args.messages)
        sweep_rate = sweep_throughput(referral, args.messages, sweeps=2 * args.concurrency)
        delays = commit_to_delivery(referral, args.samples)
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        redis.terminate()

    ms = {
        "median": statistics.median(delays) * 1000,
        "p95": percentile(delays, 0.95) * 1000,
        "max": max(delays) * 1000,
    }
    print(f"outbox delivery, PostgreSQL + Redis, 2 workers x {args.concurrency} processes, no-op e-mail")
    print(f"  per-message tasks: {rate:8.0f} messages/s  ({args.messages} messages)")
    print(f"  publishing alone:  {publish_rate:8.0f} tasks/s from one process")
    print(f"  sweep batches:     {sweep_rate:8.0f} messages/s  ({args.messages} messages)")
    print(
        f"  commit to delivery ({args.samples} rows, idle workers): "
        f"median {ms['median']:.0f} ms, p95 {ms['p95']:.0f} ms, max {ms['max']:.0f} ms"
    )
    print(f"  measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
