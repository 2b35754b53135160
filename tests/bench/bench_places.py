"""Cold start and places: a fresh process's first search beside its steady one, memory, place lookups.

Builds (or with --reuse, reuses) a SQLite benchmark directory of --locations practice
locations (tests/bench/synthetic.py), then prints:

1. the first search in a fresh process beside the median of its next --requests searches
   (each at a ZIP not searched before, the result cache off), with the database file and
   the place index in the page cache ("warm") and dropped from it with
   posix_fadvise(DONTNEED) ("evicted"); also how long the process took to start;
2. the resident memory of one idle gunicorn worker (the README's command, one worker),
   and of the same worker after its first search;
3. the time to resolve 10,000 random ZIPs and 1,000 random "City, ST" strings in a fresh
   process, its first lookup apart, and the memory the lookups left resident.

    python tests/bench/bench_places.py [--locations N] [--sqlite-path FILE] [--reuse]

Everything runs on loopback, in processes this script starts and stops.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import free_port  # noqa: E402
from tests.bench.processes import child_pids, resident_mb  # noqa: E402

TRIALS = 3

# --- Children: each a fresh interpreter ----------------------------------------


def child_build(args: argparse.Namespace) -> None:
    """Build the directory (or reuse it) and write the ZIPs that have locations."""
    import django

    django.setup()
    from tests.bench.bench_search import build

    zips = build(args.locations, args.seed, args.reuse)
    Path(args.zips_file).write_text(json.dumps(zips))


def child_first_search(args: argparse.Namespace) -> None:
    """Time start-up, the first search and the steady ones in this fresh process."""
    started = time.perf_counter()
    # What a web process runs as it starts: Django's set-up and the WSGI application.
    from portal.wsgi import application

    ready = time.perf_counter()
    zips = json.loads(Path(args.zips_file).read_text())
    sample = random.Random(args.seed + os.getpid()).sample(zips, args.requests + 1)
    timings = []
    for zip_code in sample:
        began = time.perf_counter()
        status = wsgi_get(application, "/api/v1/providers/", f"near={zip_code}&radius=25")
        timings.append((time.perf_counter() - began) * 1000)
        assert status.startswith("200"), status
    start_ms = (ready - started) * 1000
    print("RESULT " + json.dumps({"start": start_ms, "first": timings[0], "steady": timings[1:]}))


def wsgi_get(application: Any, path: str, query: str) -> str:
    """GET through the WSGI application as gunicorn calls it; the response status."""
    from wsgiref.util import setup_testing_defaults

    environ: dict[str, Any] = {"PATH_INFO": path, "QUERY_STRING": query}
    setup_testing_defaults(environ)
    answer: list[str] = []
    body = application(environ, lambda status, headers: answer.append(status))
    b"".join(body)
    body.close()
    return answer[0]


def child_places(args: argparse.Namespace) -> None:
    """Resolve the sampled ZIPs and cities with no place looked up before; time and memory."""
    import django.conf  # noqa: F401 -- loaded before the first figure, as every portal process has it

    from directory.geo import resolve_place, zip_centroid
    from tests.bench.processes import resident_mb

    sample = json.loads(Path(args.places_file).read_text())
    before = resident_mb(os.getpid())
    began = time.perf_counter()
    zip_centroid(sample["zips"][0])
    first = time.perf_counter() - began
    began = time.perf_counter()
    for zip_code in sample["zips"]:
        zip_centroid(zip_code)
    zips_s = time.perf_counter() - began
    began = time.perf_counter()
    for city in sample["cities"]:
        resolve_place(city)
    cities_s = time.perf_counter() - began
    after = resident_mb(os.getpid())
    figures = {"first": first, "zips": zips_s, "cities": cities_s, "memory": after - before}
    print("RESULT " + json.dumps(figures))


# --- Parent ----------------------------------------------------------------------


def run_child(mode: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, f"--child={mode}", *sys.argv[1:]]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"{mode} failed:\n{done.stderr[-3000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    for line in done.stdout.splitlines():
        if not line.startswith("RESULT "):
            print(line, flush=True)
    return json.loads(lines[-1].removeprefix("RESULT ")) if lines else {}


def evict(paths: list[Path]) -> None:
    """Drop these files' pages from the page cache, so the next reader waits on the disk."""
    for path in paths:
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def place_index_files() -> list[Path]:
    """The place index file(s) in the default location, when this version of the code has one."""
    return sorted((ROOT / ".cache").glob("places-*.sqlite3"))


def first_search(args: argparse.Namespace, env: dict[str, str], database: Path) -> None:
    print(f"\n1. First search in a fresh process, SQLite, {args.locations:,} locations, radius 25 mi")
    print(f"{'page cache':<10} {'start ms':>9} {'first ms':>9} {'steady median ms':>17} {'first/steady':>13}")
    run_child("first-search", args, env)  # the files in the page cache, as a restart finds them
    for cache in ("warm", "evicted"):
        for _ in range(TRIALS):
            if cache == "evicted":
                evict([database, *place_index_files()])
            result = run_child("first-search", args, env)
            steady = statistics.median(result["steady"])
            print(
                f"{cache:<10} {result['start']:>9.0f} {result['first']:>9.1f} {steady:>17.2f} "
                f"{result['first'] / steady:>12.1f}x"
            )


def gunicorn_worker(args: argparse.Namespace, env: dict[str, str]) -> None:
    port = free_port()
    command = [str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi:application"]
    command += ["--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603 -- our own server, loopback
    try:
        worker = wait_for_worker(server.pid, port)
        idle = settled_resident_mb(worker)
        zip_code = json.loads(Path(args.zips_file).read_text())[0]
        url = f"http://127.0.0.1:{port}/api/v1/providers/?near={zip_code}&radius=25"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        searched = resident_mb(worker)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("\n2. Resident memory of one gunicorn worker")
    print(f"idle after start: {idle:.1f} MB; after its first search: {searched:.1f} MB")


def settled_resident_mb(pid: int) -> float:
    """The process's resident memory once it has stopped growing for 2 s: booted, idle."""
    readings = [resident_mb(pid)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(1)
        readings.append(resident_mb(pid))
        if len(readings) >= 3 and max(readings[-3:]) - min(readings[-3:]) < 0.5:
            break
    return readings[-1]


def wait_for_worker(master: int, port: int) -> int:
    """The worker's pid, once the master listens and has forked it."""
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = child_pids(master)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            workers = []
        if workers:
            return workers[0]
        time.sleep(0.1)
    raise SystemExit("gunicorn did not start within 60 s")


def place_lookups(args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
    import zipcodes

    rng = random.Random(args.seed)
    records = zipcodes.list_all()
    placed = [row for row in records if float(row["lat"] or 0) or float(row["long"] or 0)]
    sample = {
        "zips": [row["zip_code"] for row in rng.choices(records, k=10_000)],
        "cities": [f"{row['city'].title()}, {row['state']}" for row in rng.choices(placed, k=1_000)],
    }
    args.places_file = str(workdir / "places.json")
    Path(args.places_file).write_text(json.dumps(sample))
    sys.argv += ["--places-file", args.places_file]
    print("\n3. Place lookups in a fresh process (no place resolved before)")
    print(f"{'first lookup ms':>16} {'10,000 ZIPs ms':>15} {'1,000 cities ms':>16} {'memory left MB':>15}")
    for _ in range(TRIALS):
        result = run_child("places", args, env)
        print(
            f"{result['first'] * 1000:>16.1f} {result['zips'] * 1000:>15.1f} "
            f"{result['cities'] * 1000:>16.1f} {result['memory']:>15.1f}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--locations", type=int, default=200_000, help="practice locations to build")
    parser.add_argument("--requests", type=int, default=200, help="steady searches after the first")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--reuse", action="store_true", help="reuse --sqlite-path if built at this size")
    parser.add_argument("--sqlite-path", help="SQLite file to build (default: a temporary directory)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--zips-file", help=argparse.SUPPRESS)
    parser.add_argument("--places-file", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    children = {"build": child_build, "first-search": child_first_search, "places": child_places}
    if args.child:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        children[args.child](args)
        return
    with tempfile.TemporaryDirectory(prefix="irportal-places-") as tmp:
        workdir = Path(tmp)
        database = Path(args.sqlite_path) if args.sqlite_path else workdir / "bench.sqlite3"
        if database.exists() and not args.reuse:
            database.unlink()
        args.zips_file = str(workdir / "zips.json")
        sys.argv += ["--zips-file", args.zips_file]
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "DEBUG": "false"}
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # required with DEBUG off
        # SEARCH_CACHE_SECONDS: versions that cached search answers must not answer from it.
        env |= {"CONN_MAX_AGE": "60", "SEARCH_CACHE_SECONDS": "0", "RATE_LIMIT_SEARCH": "1000000/m"}
        print(f"building {args.locations:,} locations ...", flush=True)
        run_child("build", args, env)
        first_search(args, env, database)
        gunicorn_worker(args, env)
        place_lookups(args, env, workdir)


if __name__ == "__main__":
    main()
