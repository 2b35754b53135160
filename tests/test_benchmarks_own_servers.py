"""Benchmarks touch only servers they start: none empties a Redis or writes into the shared one."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "tests").rglob("*.py"))


def test_no_benchmark_or_test_empties_a_redis_database():
    emptying = re.compile(r"\.flush(db|all)\(|FLUSH(DB|ALL)", re.IGNORECASE)

    offenders = [str(path.relative_to(ROOT)) for path in SCRIPTS if emptying.search(path.read_text())]

    assert offenders == []


def test_no_benchmark_points_at_the_redis_other_programs_use():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests" / "bench").glob("*.py"))
        if ":6379" in path.read_text()
    ]

    assert offenders == []


def test_the_referral_benchmark_refuses_a_broker_it_did_not_start_unless_told():
    done = subprocess.run(
        [sys.executable, "tests/bench/bench_referrals.py", "--broker", "redis://127.0.0.1:6379/15"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 2
    assert "--broker names a server this script did not start: add --broker-not-mine" in done.stderr
