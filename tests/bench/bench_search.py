"""Search latency at scale: /api/v1/providers/?near=<ZIP>&radius=25 and its FHIR twin, beside
PostGIS doing the same work and a trivial DRF endpoint.

Builds a synthetic directory (practices, locations at real ZIP centroids with a
small jitter, providers) in a separate database, then times requests through
Django's test client with ZIPs drawn (seeded) from the populated ones, after 1,000
searches at other ZIPs to warm the database's pages, and prints median and p95 for
the search, for /fhir/PractitionerRole?location.near=<the ZIP's centroid>|25|mi, and
for the framework's floor: a DRF view returning 20 fixed items. On PostgreSQL it also
times, for the same ZIPs, a PostGIS query doing the search's work in the database
alone (tests/bench/postgis_reference.py: the distinct providers within the radius,
counted, and the first 20 by distance), installed in the benchmark's database only.

    python tests/bench/bench_search.py [--locations N] [--db sqlite|postgres|both]
                                       [--requests N] [--reuse]

SQLite builds in a temporary directory (or --sqlite-path, kept for --reuse);
PostgreSQL uses the database named by --pg-database on --pg-url's server,
dropped and re-created unless --reuse finds it already built at that size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import percentile, postgres_database  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432"
WARM_UP_SEARCHES = 1000  # at ZIPs the measured searches never use


# --- Child process: one database, Django configured for it --------------------


def floor_urlpatterns() -> list[Any]:
    """The product's URLs plus /bench/floor/: the cheapest DRF view that still answers 20 items."""
    from django.urls import path
    from rest_framework.permissions import AllowAny
    from rest_framework.request import Request
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from portal import urls as portal_urls

    items = [{"id": n, "name": f"Item {n}", "distance": n * 1.5} for n in range(20)]

    class FloorApi(APIView):
        permission_classes = [AllowAny]

        def get(self, request: Request) -> Response:
            return Response({"count": 20, "next": None, "previous": None, "results": items})

    # The product's own list, not include(): i18n_patterns may only sit in a root URLconf.
    return [path("bench/floor/", FloorApi.as_view()), *portal_urls.urlpatterns]


urlpatterns: list[Any] = []


def resolve_place(zip_code: str) -> Any:
    from directory.geo import resolve_place as resolve

    return resolve(zip_code)


KM_PER_MILE = 1.609344


def build(locations: int, seed: int, reuse: bool) -> list[str]:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from directory.models import PracticeLocation
    from tests.bench.synthetic import populate_directory

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    existing = PracticeLocation.objects.count()
    if reuse and existing == locations:
        print(f"  reusing {existing:,} locations", flush=True)
        if pending:
            # New columns were filled by a migration: refresh statistics (and, on
            # PostgreSQL, the visibility map that index-only scans rely on).
            refresh_statistics(connection)
        zips = sorted(set(PracticeLocation.objects.values_list("postal_code", flat=True)))
        return zips
    if existing:
        raise SystemExit("The benchmark database is not empty; drop it or pass --reuse with the same size.")
    summary = populate_directory(locations=locations, seed=seed)
    print(
        f"  built {summary.practices:,} practices, {summary.locations:,} locations, "
        f"{summary.providers:,} providers, {summary.links:,} link rows in {summary.seconds:.1f} s",
        flush=True,
    )
    refresh_statistics(connection)
    return summary.zip_codes


def refresh_statistics(connection: Any) -> None:
    """ANALYZE the database; on PostgreSQL VACUUM too, so index-only scans skip the table."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"  analyzed in {time.perf_counter() - started:.1f} s", flush=True)


def measure(zips: list[str], args: argparse.Namespace) -> dict[str, Any]:
    import random

    from django.test import Client

    client = Client()
    radius = args.radius
    rng = random.Random(args.seed)
    sample = [rng.choice(zips) for _ in range(args.requests)]
    # Warm up on other ZIPs, so the measured searches do not find their own pages cached.
    measured = set(sample)
    warm_up = [zip_code for zip_code in zips if zip_code not in measured]

    def timed(url: str) -> tuple[float, Any]:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return elapsed, response

    # Warm connections, the place index and the database's pages, as a server answering
    # searches all day has them: this host's kernel drops file pages left idle for a few
    # minutes, and a first search in each region then waits on the disk.
    for zip_code in rng.sample(warm_up, min(len(warm_up), args.warm_up)):
        timed(f"/api/v1/providers/?near={zip_code}&radius={radius:g}")
    for _ in range(20):
        timed("/bench/floor/")
    floor, search, fhir, counts = [], [], [], []
    for zip_code in sample:
        origin = resolve_place(zip_code)
        floor.append(timed("/bench/floor/")[0])
        elapsed, response = timed(f"/api/v1/providers/?near={zip_code}&radius={radius:g}")
        search.append(elapsed)
        counts.append(response.json()["count"])
        fhir.append(timed(f"/fhir/PractitionerRole?location.near={origin.lat}|{origin.lng}|{radius:g}|mi")[0])
    return {
        "floor": floor,
        "search": search,
        "fhir": fhir,
        **postgis_timings(sample, radius, counts),
        "counts": counts,
        "repeats": len(sample) - len(measured),
    }


def postgis_timings(sample: list[str], radius: float, counts: list[int]) -> dict[str, Any]:
    """On PostgreSQL: PostGIS's milliseconds for the same searches, and how many counts differ."""
    from django.db import connection

    from tests.bench.postgis_reference import search

    if connection.vendor != "postgresql":
        return {}
    timings, differing = [], 0
    for zip_code, count in zip(sample, counts, strict=True):
        origin = resolve_place(zip_code)
        elapsed, found, _ = search(connection, origin.lat, origin.lng, radius * KM_PER_MILE * 1000)
        timings.append(elapsed)
        differing += found != count
    return {"postgis": timings, "postgis_counts_differing": differing}


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    global urlpatterns
    urlpatterns = floor_urlpatterns()
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False

    zips = build(args.locations, args.seed, args.reuse)
    from django.db import connection

    if connection.vendor == "postgresql":
        from tests.bench.postgis_reference import install

        print(f"  PostGIS table and index built in {install(connection):.1f} s", flush=True)
    result = measure(zips, args)
    print("RESULT " + json.dumps(result), flush=True)


# --- Parent process: one child per database, then the table ------------------


def database_url(kind: str, args: argparse.Namespace, workdir: Path) -> str:
    if kind == "sqlite":
        path = Path(args.sqlite_path) if args.sqlite_path else workdir / "bench.sqlite3"
        if path.exists() and not args.reuse:
            path.unlink()
        return f"sqlite:///{path}"
    return postgres_database(args.pg_url, args.pg_database, keep=args.reuse)


def run_child(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(kind, args, workdir),
        "DEBUG": "false",
        # Persistent connections, as production runs (README): otherwise every request
        # pays for a new connection and, on SQLite, a cold page cache.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
        # The public rate limit stays in the request path (its cost is real) but never trips.
        "RATE_LIMIT_SEARCH": "1000000/m",
    }
    command = [sys.executable, __file__, "--child", *sys.argv[1:]]
    print(f"{kind}: building {args.locations:,} locations ...", flush=True)
    process = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    for line in process.stdout.splitlines():
        if not line.startswith("RESULT "):
            print(line)
    if process.returncode != 0:
        print(process.stderr, file=sys.stderr)
        raise SystemExit(f"{kind} benchmark failed")
    result_line = next(line for line in process.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(result_line.removeprefix("RESULT "))


def print_table(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> None:
    print()
    print(
        f"Search at {args.locations:,} practice locations, radius {args.radius:g} mi, "
        f"{args.requests} requests per endpoint (Django test client)"
    )
    header = f"{'database':<10} {'endpoint':<28} {'median ms':>10} {'p95 ms':>8} {'p95 / floor p95':>16}"
    print(header)
    print("-" * len(header))
    for kind, result in results.items():
        floor_p95 = percentile(result["floor"], 0.95)
        rows = [
            ("trivial DRF, 20 items", "floor"),
            ("/api/v1/providers/", "search"),
            ("/fhir/PractitionerRole near", "fhir"),
            ("PostGIS, same work (SQL)", "postgis"),
        ]
        for name, key in rows:
            if key not in result:
                continue
            samples = result[key]
            p95 = percentile(samples, 0.95)
            print(
                f"{kind:<10} {name:<28} {statistics.median(samples):>10.2f} {p95:>8.2f} "
                f"{p95 / floor_p95:>15.1f}x"
            )
        ratios = (
            f"FHIR p95 / API p95 {percentile(result['fhir'], 0.95) / percentile(result['search'], 0.95):.2f}"
        )
        if "postgis" in result:
            ratios += (
                f"; API p95 / PostGIS p95 "
                f"{percentile(result['search'], 0.95) / percentile(result['postgis'], 0.95):.2f}; "
                f"{result['postgis_counts_differing']} of {len(result['postgis'])} PostGIS counts differ "
                "(its sphere is the mean radius, the search's the local one)"
            )
        counts = result["counts"]
        print(f"{'':<10} {ratios}")
        print(
            f"{'':<10} results per search: median {statistics.median(counts):.0f}, "
            f"p95 {percentile(counts, 0.95):.0f}, max {max(counts)}; "
            f"{result['repeats']} repeated an earlier search"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--locations", type=int, default=20_000, help="practice locations to build")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per endpoint")
    parser.add_argument("--radius", type=float, default=25, help="search radius in miles")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--warm-up", type=int, default=WARM_UP_SEARCHES, help="searches at other ZIPs first")
    parser.add_argument("--reuse", action="store_true", help="keep/reuse an already built database")
    parser.add_argument("--sqlite-path", help="SQLite file to build (default: a temporary directory)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL, no database")
    parser.add_argument("--pg-database", default="irportal_bench")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="irportal-bench-") as workdir:
        results = {kind: run_child(kind, args, Path(workdir)) for kind in kinds}
    print_table(args, results)


if __name__ == "__main__":
    main()
