"""What the benchmark scripts share: the percentile they report, their databases and Redis, bench patients."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Benchmarks run the portal with DEBUG off, which needs a real key: a throwaway one per run,
# inherited by the servers and workers they start.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples`` (fraction 0..1)."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


@contextmanager
def counted_queries() -> Iterator[Any]:
    """Django's CaptureQueriesContext on an emptied query log.

    The log keeps only the last 9,000 queries: once a long run fills it, the plain context
    counts every request as 0 queries.
    """
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        yield captured


def round_trip_ms(count: int) -> list[float]:
    """``count`` timings, in ms, of ``SELECT 1`` on the default database: what one query costs
    on this machine at this moment, beside which a request's figures can be read."""
    from django.db import connection

    timings = []
    with connection.cursor() as cursor:
        for _ in range(count):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def postgres_database(pg_url: str, name: str, *, keep: bool = False) -> str:
    """The URL of database ``name`` on the server at ``pg_url`` (no database in it).

    Dropped and created afresh, unless ``keep`` and it exists already.
    """
    import psycopg

    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not keep:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    return f"{pg_url}/{name}"


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def private_redis() -> Iterator[str]:
    """The URL of a redis-server of our own on a spare loopback port, stopped (and gone) on exit.

    A benchmark that needs Redis uses this, so it never writes into, or empties, a Redis
    that serves anything else.
    """
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("This benchmark starts its own Redis: install redis-server.")
    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 -- fixed arguments
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("redis-server did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def bench_patients(first: int, count: int) -> list[Any]:
    """``count`` unsaved patients numbered from ``first``: the same made-up person each time."""
    from datetime import date

    from referrals.models import Patient

    return [
        Patient(
            first_name="Bench",
            last_name=f"Patient{first + n}",
            birth_date=date(1960, 1, 1),
            sex="female",
            phone="555-0100",
            postal_code="80202",
        )
        for n in range(count)
    ]
