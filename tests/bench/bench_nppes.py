"""NPPES import throughput: rows/s and peak memory on a generated file in the real format.

Writes an N-row npidata file (330 columns, 0.2% interventional radiologists, 0.3%
deactivated rows) to a temporary directory, migrates a fresh database, lists a
few of the file's deactivated NPIs as providers (so the run has something to
unlist), then runs ``manage.py import_nppes`` twice: the first run creates, the
second must change nothing.

Figures printed per run:
- rows/s as the importer reports it: scanning, parsing and database writes, after
  the first place lookup;
- rows/s over the wall-clock time of the whole command, Python and Django start-up
  included;
- peak memory: the maximum resident set size (``ru_maxrss`` from ``wait4``) of the
  import process alone. Every step runs in its own child process, so no other
  step's memory is counted.

Usage: .venv/bin/python tests/bench/bench_nppes.py [--rows N] [--postgres] [--keep-file DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import postgres_database  # noqa: E402

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/irportal_nppes_bench"
UNLISTABLE = 50

# Run in a child process with DATABASE_URL set: migrate, then list providers for
# some NPIs that the file deactivates.
PREPARE = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from directory.models import Provider
call_command("migrate", verbosity=0)
npis = json.load(open(sys.argv[1]))["deactivated_npis"][:{count}]
Provider.objects.bulk_create([Provider(npi=n, first_name="Listed", last_name="Before") for n in npis])
"""


def run(command: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """Run a child process; return its stdout, wall-clock seconds and peak RSS in MB."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, env=env, cwd=ROOT)  # noqa: S603 -- our own scripts
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        stdout = out.read().decode()
    if child.returncode:
        sys.exit(f"{' '.join(command[:3])} failed with exit code {child.returncode}")
    return stdout, wall, usage.ru_maxrss / 1024


def figure(summary: str, label: str) -> int:
    match = re.search(rf"^{re.escape(label)}: ([\d,]+)", summary, re.MULTILINE)
    return int(match.group(1).replace(",", "")) if match else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help=f"import into {POSTGRES_URL} (recreated)")
    parser.add_argument(
        "--keep-file", type=Path, metavar="DIR", help="write the file here and reuse it next time"
    )
    args = parser.parse_args()
    python = sys.executable

    with tempfile.TemporaryDirectory(prefix="nppes-bench-") as workdir:
        file_dir = args.keep_file or Path(workdir)
        file_dir.mkdir(parents=True, exist_ok=True)
        path = file_dir / f"npidata_pfile_{args.rows}.csv"
        facts_path = path.with_suffix(".json")
        wall = 0.0
        if not (path.exists() and facts_path.exists()):
            generator = str(ROOT / "tests" / "bench" / "make_nppes_file.py")
            command = [python, generator, str(path), "--rows", str(args.rows), "--facts", str(facts_path)]
            _, wall, _ = run(command, {**os.environ})
        facts = json.loads(facts_path.read_text())
        print(
            f"file: {path.stat().st_size / 1e6:,.0f} MB, {facts['rows']:,} rows "
            f"({facts['ir_rows']:,} IR, {len(facts['deactivated_npis']):,} deactivated), "
            f"written in {wall:.0f} s"
        )

        if args.postgres:
            database_url = postgres_database(*POSTGRES_URL.rsplit("/", 1))
        else:
            database_url = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
        env["PYTHONPATH"] = str(ROOT)
        run([python, "-c", PREPARE.format(count=UNLISTABLE), str(facts_path)], env)
        kind = "PostgreSQL" if args.postgres else "SQLite"
        unlistable = min(UNLISTABLE, len(facts["deactivated_npis"]))
        print(f"database: {kind}, fresh, {unlistable} providers to unlist")

        for label in ("first run", "second run"):
            summary, wall, peak_mb = run([python, str(ROOT / "manage.py"), "import_nppes", str(path)], env)
            rate = re.search(r"\(([\d,]+) rows/s", summary)
            rows = figure(summary, "rows read")
            print(
                f"{label}: {rate.group(1) if rate else '?'} rows/s (importer), "
                f"{rows / wall:,.0f} rows/s wall-clock ({wall:.1f} s incl. start-up), "
                f"peak RSS {peak_mb:,.0f} MB | read {rows:,}, kept {figure(summary, 'kept'):,}, "
                f"created {figure(summary, 'created'):,}, updated {figure(summary, 'updated'):,}, "
                f"unchanged {figure(summary, 'unchanged'):,}, "
                f"unlisted {figure(summary, 'unlisted (deactivated)'):,}"
            )


if __name__ == "__main__":
    main()
