"""Load on loopback: gunicorn (2 workers) against the synthetic directory, driven by locust.

Each endpoint is driven on its own for the same time by the same number of back-to-back
users, so requests/s is that endpoint's capacity on this machine and p95 its latency under
that load:

    search      GET  /api/v1/providers/?near=<ZIP>&radius=25  (ZIPs drawn from the directory)
    self-check  POST /api/v1/triage/assessments/               (a no-flag answer set)
    referral    POST /api/v1/referrals/                        (token auth, a fresh Idempotency-Key)
    trivial     GET  /bench/trivial/                           (benchmark-only DRF view, same server)

    python tests/bench/load.py            # 1,000,000 locations on PostgreSQL (irportal_bench)
    python tests/bench/load.py --quick    # 20,000 locations, a few seconds per endpoint (CI)

Beside each endpoint's row, the CPU time each request cost, in milliseconds: in the server
(gunicorn's processes), in PostgreSQL (its processes on this machine) and in the load
generator (locust, its start-up included); all three share this machine's cores, so these
costs decide the requests/s. They are read from /proc and left out where it does not exist.

The full run reuses the search benchmark's database when it holds exactly that many
locations (tests/bench/bench_search.py builds it); an empty database is filled here. The
server listens on 127.0.0.1 only. Exits non-zero when any request failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

# Every URL opened here is built from http://127.0.0.1 (the benchmark server on loopback).
# ruff: noqa: S310

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import free_port, postgres_database, private_redis  # noqa: E402
from tests.bench.processes import cpu_seconds  # noqa: E402

BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("load_locustfile.py")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
ENDPOINTS = [
    ("search", "search"),
    ("self_check", "self-check"),
    ("referral", "referral"),
    ("trivial", "trivial"),
]
LOAD_USERNAME = "load.clinician"
# The public rate limits stay in the request path (their cost is real) but never trip.
UNLIMITED = "100000000/m"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="20,000 locations, 3 s per endpoint")
    parser.add_argument(
        "--locations", type=int, help="directory size (default 1,000,000; 20,000 with --quick)"
    )
    parser.add_argument("--seconds", type=int, help="load time per endpoint (default 30; 3 with --quick)")
    parser.add_argument("--users", type=int, default=8, help="concurrent back-to-back users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--pg-database", help="default irportal_bench; irportal_load_quick with --quick")
    args = parser.parse_args()
    args.locations = args.locations or (20_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (3 if args.quick else 30)
    args.pg_database = args.pg_database or ("irportal_load_quick" if args.quick else "irportal_bench")
    return args


# --- Database: the directory, a clinician with a token ---------------------------


def prepare_directory(locations: int) -> tuple[list[str], str]:
    """Migrates, fills the directory when empty; returns ZIPs with locations and a clinician's token."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from directory.models import PracticeLocation
    from tests.bench.synthetic import populate_directory

    call_command("migrate", verbosity=0)
    existing = PracticeLocation.objects.count()
    if existing == 0:
        print(f"building {locations:,} locations ...", flush=True)
        summary = populate_directory(locations=locations, seed=7)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  built in {summary.seconds:.1f} s", flush=True)
    elif existing != locations:
        raise SystemExit(
            f"The database holds {existing:,} locations, not {locations:,}: drop it or pick another."
        )
    else:
        print(f"reusing {existing:,} locations", flush=True)
    zips = sorted(set(PracticeLocation.objects.values_list("postal_code", flat=True).distinct()))
    # Referral notifications go to the clinician's e-mail (the dummy backend drops them).
    user, _ = get_user_model().objects.update_or_create(
        username=LOAD_USERNAME, defaults={"email": "load@clinic.example"}
    )
    token, _ = Token.objects.get_or_create(user=user)
    connection.close()
    return zips, token.key


# --- Server ------------------------------------------------------------------------


def shared_cache() -> AbstractContextManager[str]:
    """A Redis of the run's own as the shared cache (production has one), else an in-process cache.

    Never the Redis already on the machine: the run must not write into a server that
    serves anything else.
    """
    return private_redis() if shutil.which("redis-server") else nullcontext("locmemcache://")


def start_server(
    args: argparse.Namespace, env: dict[str, str], port: int, log: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "gunicorn"),
        "portal.wsgi:application",
        "--workers",
        str(args.workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up; see its log above.")
        try:
            with urllib.request.urlopen(f"{base_url}/bench/trivial/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def warm_up(base_url: str, env: dict[str, str], users: int) -> None:
    """Sends every endpoint a few concurrent requests first, so each worker has loaded the ZIP
    table and opened its connections before anything is measured."""
    zips = env["LOAD_ZIPS"].split(",")
    keys = env["LOAD_ANSWER_KEYS"].split(",")
    json_headers = {"Content-Type": "application/json"}
    referral = {
        "patient": {
            "first_name": "Warm",
            "last_name": "Up",
            "birth_date": "1970-05-17",
            "sex": "female",
            "phone": "555-0100",
            "postal_code": zips[0],
        },
        "triage": {"pain_duration_weeks": 8, "answers": {key: key == "leg_weakness" for key in keys}},
        "requested_procedure": "epidural-steroid-injection",
        "clinical_question": "Warm-up.",
        "pain_score": 5,
    }

    def requests(n: int) -> list[urllib.request.Request]:
        return [
            urllib.request.Request(f"{base_url}/api/v1/providers/?near={zips[n % len(zips)]}&radius=25"),
            urllib.request.Request(
                f"{base_url}/api/v1/triage/assessments/",
                data=json.dumps(
                    {"age": 40, "pain_duration_weeks": 2, "answers": dict.fromkeys(keys, False)}
                ).encode(),
                headers=json_headers,
            ),
            urllib.request.Request(
                f"{base_url}/api/v1/referrals/",
                data=json.dumps(referral).encode(),
                headers=json_headers
                | {
                    "Authorization": f"Token {env['LOAD_TOKEN']}",
                    "Idempotency-Key": f"warm-up-{uuid.uuid4()}",
                },
            ),
            urllib.request.Request(f"{base_url}/bench/trivial/"),
        ]

    def send(request: urllib.request.Request) -> int:
        with urllib.request.urlopen(request, timeout=120) as response:
            return int(response.status)

    with ThreadPoolExecutor(max_workers=users) as pool:
        statuses = list(pool.map(send, [r for n in range(users * 2) for r in requests(n)]))
    print(f"warmed up with {len(statuses)} requests", flush=True)


# --- Load ----------------------------------------------------------------------------


def drive(
    endpoint: str,
    args: argparse.Namespace,
    env: dict[str, str],
    base_url: str,
    workdir: Path,
    server_pid: int,
) -> dict[str, Any]:
    """Runs locust headless against one endpoint; returns its row of locust's CSV statistics.

    The row also holds, under ``cpu``, the CPU seconds each group of processes used meanwhile.
    """
    prefix = workdir / endpoint
    command = [
        str(BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.seconds}s",
        "--host",
        base_url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    before = cpu_seconds(server_pid)
    run = subprocess.run(  # noqa: S603
        command, env=env | {"LOAD_ENDPOINT": endpoint}, cwd=ROOT, check=False, capture_output=True, text=True
    )
    after = cpu_seconds(server_pid)
    stats_file = workdir / f"{endpoint}_stats.csv"
    rows = {row["Name"]: row for row in csv.DictReader(stats_file.open())} if stats_file.exists() else {}
    if endpoint not in rows:
        raise SystemExit(f"locust recorded no {endpoint} requests:\n{run.stderr[-3000:]}")
    row: dict[str, Any] = rows[endpoint]
    if before is not None and after is not None:
        # Locust has ended and been waited for, so its time is in the children's usage.
        row["cpu"] = {group: after[group] - before[group] for group in after}
    return row


def print_table(args: argparse.Namespace, results: dict[str, dict[str, Any]], cache: str) -> int:
    """Prints the table; returns the total number of failed requests."""
    print()
    print(
        f"{args.locations:,} locations, PostgreSQL, gunicorn {args.workers} workers on 127.0.0.1, "
        f"{args.users} back-to-back locust users, {args.seconds} s per endpoint, "
        f"cache {cache.split(':')[0]}"
    )
    print(
        f"{'endpoint':<12} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>7}"
        "   CPU ms per request: server  database  load generator"
    )
    failures = 0
    for endpoint, label in ENDPOINTS:
        row = results[endpoint]
        failures += int(row["Failure Count"])
        requests = int(row["Request Count"])
        cpu = row.get("cpu")
        per_request = (
            f"{' ' * 22}{cpu['server'] * 1000 / requests:>6.2f}  {cpu['database'] * 1000 / requests:>8.2f}"
            f"  {cpu['load generator'] * 1000 / requests:>14.2f}"
            if cpu and requests
            else ""
        )
        print(
            f"{label:<12} {requests:>9,} {float(row['Requests/s']):>8.1f} "
            f"{row['50%']:>7} {row['95%']:>7} {int(row['Failure Count']):>7}{per_request}"
        )
    ratio = float(results["search"]["Requests/s"]) / float(results["trivial"]["Requests/s"])
    verdict = "met" if ratio >= 0.5 else "NOT met"
    print(f"search / trivial throughput: {ratio:.2f} (goal >= 0.50: {verdict}); errors: {failures}")
    return failures


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    with shared_cache() as cache:
        failures = run(args, cache)
    if failures:
        raise SystemExit(f"{failures} requests failed")


def run(args: argparse.Namespace, cache: str) -> int:
    """Start the server with this cache, drive every endpoint, print the table; the failures."""
    env = server_env(args, cache)
    os.environ.update(env)
    zips, token = prepare_directory(args.locations)
    from triage.rules import ANSWER_KEYS

    # A deterministic spread of ZIPs with locations, small enough for an environment variable.
    step = max(1, len(zips) // 2000)
    env |= {
        "LOAD_ZIPS": ",".join(zips[::step]),
        "LOAD_TOKEN": token,
        "LOAD_ANSWER_KEYS": ",".join(ANSWER_KEYS),
    }
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="irportal-load-") as tmp:
        workdir = Path(tmp)
        log = workdir / "gunicorn.log"
        server = start_server(args, env, port, log)
        try:
            wait_until_up(base_url, server)
            warm_up(base_url, env, args.users)
            results = {}
            for endpoint, label in ENDPOINTS:
                print(f"driving {label} for {args.seconds} s ...", flush=True)
                results[endpoint] = drive(endpoint, args, env, base_url, workdir, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            server_log = log.read_text(errors="replace").strip()
        failures = print_table(args, results, cache)
    print_server_log(server_log, failures)
    return failures


def server_env(args: argparse.Namespace, cache: str) -> dict[str, str]:
    """The server's environment: the benchmark database, this cache, no rate limits, quiet logs."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.bench.load_settings",
        "DATABASE_URL": postgres_database(args.pg_url, args.pg_database, keep=True),
        "CONN_MAX_AGE": "60",
        "DEBUG": "false",
        "CACHE_URL": cache,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_SEARCH": UNLIMITED,
        "RATE_LIMIT_SELF_CHECK": UNLIMITED,
        "RATE_LIMIT_LISTING_REPORT": UNLIMITED,
    }


def print_server_log(server_log: str, failures: int) -> None:
    if failures:
        print("\ngunicorn said:\n" + server_log[-3000:])
    elif server_log:
        # The synthetic practices have no staff, so every routed referral logs that its
        # notification has nowhere to go: count the lines by level, show the last.
        lines = server_log.splitlines()
        levels = {level: sum(f" {level} " in line for line in lines) for level in ("WARNING", "ERROR")}
        print(
            f"\ngunicorn logged {len(lines)} lines ({levels['WARNING']} warnings, "
            f"{levels['ERROR']} errors); the last: {lines[-1][:200]}"
        )


if __name__ == "__main__":
    main()
