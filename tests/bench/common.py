"""What the benchmark scripts share: the percentile they report, their databases, bench patients."""

from __future__ import annotations

from typing import Any


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``samples`` (fraction 0..1)."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


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


def bench_patients(first: int, count: int) -> list[Any]:
    """``count`` unsaved patients numbered from ``first``: the same made-up person each time."""
    from datetime import date

    from referrals.models import Patient

    return [
        Patient(
            first_name="Bench",
            last_name=f"Patient{first + n}",
            birth_date=date(1960, 1, 1),
            sex="F",
            phone="555-0100",
            postal_code="80202",
        )
        for n in range(count)
    ]
