"""NPPES import throughput: rows/s and peak memory on a generated file in the real format.

Writes an N-row npidata file (330 columns, 0.2% interventional radiologists, 0.3%
deactivated rows) to a temporary directory, migrates a fresh database, lists a
few of the file's deactivated NPIs as providers (so the run has something to
unlist), then runs ``manage.py import_nppes`` twice in a child process: the first
run creates, the second must change nothing.

Figures printed per run: rows/s as the importer measures it (scan, parse and
database writes; Django start-up excluded), wall-clock seconds of the whole
command, and peak memory as the maximum resident set size (``ru_maxrss``) of the
import process, which includes Django and the ZIP centroid index.

Usage: .venv/bin/python tests/bench/bench_nppes.py [--rows N] [--postgres] [--file EXISTING.csv]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.make_nppes_file import write_file  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/irportal_nppes_bench"
UNLISTABLE = 50


def fresh_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare_database(database_url: str, deactivated_npis: list[str]) -> None:
    """Migrate, then list providers for some deactivated NPIs of the file."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from directory.models import Provider

    call_command("migrate", verbosity=0)
    Provider.objects.bulk_create(
        [Provider(npi=npi, first_name="Listed", last_name="Before") for npi in deactivated_npis[:UNLISTABLE]]
    )


def run_import(path: Path, database_url: str) -> tuple[str, float]:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 -- our own interpreter and manage.py
        [sys.executable, str(ROOT / "manage.py"), "import_nppes", str(path)],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout, time.perf_counter() - started


def figure(summary: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}: ([\d,]+)", summary, re.MULTILINE)
    return match.group(1) if match else "0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help=f"import into {POSTGRES_URL} (recreated)")
    parser.add_argument("--file", type=Path, help="reuse a file written by make_nppes_file.py")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nppes-bench-") as workdir:
        path = args.file or Path(workdir) / "npidata_pfile.csv"
        started = time.perf_counter()
        if args.file:
            from tests.bench.make_nppes_file import WrittenFile

            written = WrittenFile(rows=0, ir_rows=0, deactivated_npis=[])
        else:
            written = write_file(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(
            f"file: {size_mb:,.0f} MB, {written.rows:,} rows written in {time.perf_counter() - started:.0f} s"
        )
        print(f"IR rows: {written.ir_rows:,}; deactivated rows: {len(written.deactivated_npis):,}")

        if args.postgres:
            database_url = POSTGRES_URL
            fresh_postgres(database_url)
        else:
            database_url = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        prepare_database(database_url, written.deactivated_npis)
        print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'} (fresh)")

        for run in ("first run", "second run"):
            summary, wall = run_import(path, database_url)
            rate = re.search(r"\(([\d,]+) rows/s\)", summary)
            print(
                f"{run}: {rate.group(1) if rate else '?'} rows/s scanned (importer), "
                f"{int(figure(summary, 'rows read').replace(',', '') or 0) / wall:,.0f} rows/s wall-clock "
                f"({wall:.1f} s with start-up); rows read {figure(summary, 'rows read')}, "
                f"kept {figure(summary, 'kept')}, created {figure(summary, 'created')}, "
                f"updated {figure(summary, 'updated')}, unchanged {figure(summary, 'unchanged')}, "
                f"unlisted {figure(summary, 'unlisted (deactivated)')}"
            )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of the import process (ru_maxrss): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
