"""The FHIR referral exchange's cost beside the JSON API's, in the same run (docs/fhir-referrals.md).

Builds (or, with --reuse, reuses) a PostgreSQL database like tests/bench/bench_referrals.py:
a synthetic directory of --locations practice locations, --enrolled of the practices
enrolled, --referrals referrals spread over them; plus --polled referrals made by one
clinician, the EHR that polls. Then, through Django's test client with a bearer token:

- submits --requests referrals, alternating ``POST /fhir/`` (a transaction Bundle) and
  ``POST /api/v1/referrals/`` with the same patient ZIP and procedure, and prints p50/p95
  of each and their ratio (goal: the FHIR submit within 1.5x of the API's);
- polls ``GET /fhir/Task?requester=<clinician>&_lastUpdated=gt<instant>`` for that clinician
  (a few changed since, and all of them since a year ago, first page), beside
  ``GET /api/v1/referrals/`` (the same clinician's first page) as the anchor.

    python tests/bench/bench_fhir_exchange.py [--locations 1000000] [--referrals 100000]
                                              [--polled 10000] [--requests 200] [--reuse]
"""

from __future__ import annotations

import argparse
import base64
import functools
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.bench_referrals import (  # noqa: E402
    add_arguments,
    build_directory,
    build_referrals,
    enrol_practices,
    referral_body,
    run_with_broker,
)
from tests.bench.common import bench_patients, percentile, postgres_database  # noqa: E402

SUBMITTER, POLLER = "bench.fhir.submitter", "bench.fhir.poller"


def build_polled(count: int) -> None:
    """``count`` referrals by the polling clinician, a few of them changed in the last minute."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from directory.models import Practice, Procedure
    from referrals.models import Patient, Referral
    from triage.models import Assessment

    poller, _ = get_user_model().objects.get_or_create(username=POLLER)
    existing = Referral.objects.filter(clinician=poller).count()
    if existing >= count:
        print(f"  reusing {existing:,} referrals of {POLLER}", flush=True)
        return
    assessment = Assessment.objects.filter(source="referral").first()
    practice_id = Practice.objects.values_list("pk", flat=True).first()
    procedure = Procedure.objects.first()
    long_ago = datetime.now(tz=UTC) - timedelta(days=200)
    for offset in range(existing, count, 5_000):
        patients = Patient.objects.bulk_create(
            bench_patients(10_000_000 + offset, min(5_000, count - offset))
        )
        Referral.objects.bulk_create(
            Referral(
                clinician=poller,
                patient=patient,
                assessment=assessment,
                disposition="urgent",
                clinical_question="Benchmark referral",
                requested_procedure=procedure,
                status="accepted",
                practice_id=practice_id,
                created_at=long_ago,
                idempotency_key=str(uuid.uuid4()),
                request_fingerprint="bench",
            )
            for patient in patients
        )
    # bulk_create stamps updated_at now: move them back, but for five recent changes.
    Referral.objects.filter(clinician=poller).update(updated_at=long_ago)
    recent = list(Referral.objects.filter(clinician=poller).values_list("pk", flat=True)[:5])
    Referral.objects.filter(pk__in=recent).update(updated_at=datetime.now(tz=UTC))
    with connection.cursor() as cursor:  # as autovacuum would after a bulk load
        cursor.execute("VACUUM ANALYZE")
    print(f"  built {count - existing:,} referrals of {POLLER}", flush=True)


def bearer(client: Any, username: str) -> str:
    """A bearer token for a new client of ``username``, from /o/token/ as an EHR gets one."""
    from fhir.clients import client_create_for_clinician

    credentials = client_create_for_clinician(username=username)
    pair = base64.b64encode(f"{credentials.client_id}:{credentials.client_secret}".encode()).decode()
    answer = client.post(
        "/o/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {pair}"
    )
    assert answer.status_code == 200, answer.content
    return f"Bearer {answer.json()['access_token']}"


def fhir_bundle(body: dict[str, Any]) -> dict[str, Any]:
    """The API body's referral as a transaction Bundle, with a fresh identifier."""
    from fhir.catalog import code_system_url
    from tests.fhir.exchange import referral_bundle

    patient = body["patient"]
    answers = {**body["triage"]["answers"], "pain_duration_weeks": body["triage"]["pain_duration_weeks"]}
    return referral_bundle(
        patient={"gender": patient["sex"], "address": [{"postalCode": patient["postal_code"]}]},
        service_request={
            "identifier": [{"system": "urn:bench", "value": str(uuid.uuid4())}],
            "code": {
                "coding": [{"system": code_system_url("procedure"), "code": body["requested_procedure"]}]
            },
        },
        answers=answers,
    )


def timed(call: Callable[[], Any], expected: int) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == expected, response.content[:300]
    return elapsed


def line(name: str, samples: list[float]) -> str:
    return f"  {name:<58} p50 {statistics.median(samples):7.1f} ms   p95 {percentile(samples, 0.95):7.1f} ms"


def measure_submit(requests: int, seed: int) -> None:
    import json

    from django.contrib.auth import get_user_model
    from django.test import Client

    from directory.models import PracticeLocation, Procedure

    rng = random.Random(seed)
    zips = sorted(set(PracticeLocation.objects.values_list("postal_code", flat=True)[:200_000]))
    procedures = list(Procedure.objects.values_list("slug", flat=True))
    user = get_user_model().objects.get_or_create(username=SUBMITTER)[0]
    client = Client()
    token = bearer(client, SUBMITTER)
    api = Client()
    api.force_login(user)
    fhir_ms: list[float] = []
    api_ms: list[float] = []
    for n in range(requests + 20):  # the first 20 pairs warm caches and are not counted
        body = referral_body(rng, rng.choice(zips), procedures)
        bundle = json.dumps(fhir_bundle(body))
        fhir = timed(
            functools.partial(
                client.post, "/fhir/", bundle, content_type="application/fhir+json", HTTP_AUTHORIZATION=token
            ),
            200,
        )
        plain = timed(
            functools.partial(
                api.post,
                "/api/v1/referrals/",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
            ),
            201,
        )
        if n >= 20:
            fhir_ms.append(fhir)
            api_ms.append(plain)
    print(f"\nSubmitting with routing, {requests} of each, alternated:")
    print(line("POST /fhir/ (transaction Bundle)", fhir_ms))
    print(line("POST /api/v1/referrals/ (anchor)", api_ms))
    p50 = statistics.median(fhir_ms) / statistics.median(api_ms)
    p95 = percentile(fhir_ms, 0.95) / percentile(api_ms, 0.95)
    print(f"  FHIR / API: p50 {p50:.2f}x, p95 {p95:.2f}x (goal: within 1.5x)")


def measure_polling(requests: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from referrals.models import Referral

    client = Client()
    token = bearer(client, POLLER)
    api = Client()
    api.force_login(get_user_model().objects.get(username=POLLER))
    minute_ago = (datetime.now(tz=UTC) - timedelta(minutes=1)).isoformat()
    year_ago = (datetime.now(tz=UTC) - timedelta(days=365)).isoformat()
    calls = {
        "GET /fhir/Task?requester=&_lastUpdated=gt<a minute ago>": lambda: client.get(
            "/fhir/Task", {"requester": POLLER, "_lastUpdated": f"gt{minute_ago}"}, HTTP_AUTHORIZATION=token
        ),
        "GET /fhir/Task?requester=&_lastUpdated=gt<a year ago> (page 1)": lambda: client.get(
            "/fhir/Task", {"requester": POLLER, "_lastUpdated": f"gt{year_ago}"}, HTTP_AUTHORIZATION=token
        ),
        "GET /api/v1/referrals/ (anchor, page 1)": lambda: api.get("/api/v1/referrals/"),
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for n in range(requests + 10):
        for name, call in calls.items():
            elapsed = timed(call, 200)
            if n >= 10:
                samples[name].append(elapsed)
    count = Referral.objects.filter(clinician__username=POLLER).count()
    print(f"\nPolling as a clinician with {count:,} referrals, {requests} requests each, interleaved:")
    for name, found in samples.items():
        print(line(name, found))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser, requests=200, pg_database="irportal_bench_fhir_exchange")
    parser.add_argument("--polled", type=int, default=10_000, help="referrals of the polling clinician")
    run_with_broker(parser, run)


def run(args: argparse.Namespace, broker: str) -> None:
    os.environ["DATABASE_URL"] = postgres_database(args.pg_url, args.pg_database, keep=args.reuse)
    os.environ["DEBUG"] = "false"
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import logging

    import django
    from django.core.management import call_command

    django.setup()
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    print(f"Building {args.locations:,} locations and {args.referrals:,} referrals ...", flush=True)
    build_directory(args.locations, args.seed)
    enrol_practices(args.enrolled, args.seed)
    build_referrals(args.referrals, args.seed)
    build_polled(args.polled)
    measure_submit(args.requests, args.seed)
    measure_polling(args.requests)


if __name__ == "__main__":
    main()
