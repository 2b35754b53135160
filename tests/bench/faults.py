"""Faults on loopback: referrals submitted while Redis stops, the worker is killed, PostgreSQL restarts.

Starts everything of its own on spare loopback ports: a PostgreSQL cluster (initdb into a
temporary folder), a redis-server (broker and cache), gunicorn with 2 workers and a Celery
worker with beat, writing mail into a folder. For each fault it submits N referrals through
the API (a client retries a failed request with the same Idempotency-Key, as the API asks),
injects the fault halfway, recovers, lets the sweeps settle, then prints per fault:
requests, 2xx, 5xx (and how many of them fell while PostgreSQL was down: explained),
referrals created, messages lost, doubled and stuck.

    .venv/bin/python tests/bench/faults.py [--referrals 200]
    .venv/bin/python tests/bench/faults.py --quick    # CI: fails on any lost, doubled or unexplained 5xx
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from tests.bench.common import free_port  # noqa: E402
from triage.rules import ANSWER_KEYS  # noqa: E402

BIN = Path(sys.executable).parent
CLINICIAN = "dr.adams"
BODY = {
    "patient": {
        "first_name": "Fault",
        "last_name": "Patient",
        "birth_date": "1970-05-17",
        "sex": "female",
        "phone": "555-0100",
        "postal_code": "60626",
    },
    "triage": {
        "pain_duration_weeks": 8,
        "answers": {**dict.fromkeys(ANSWER_KEYS, False), "leg_weakness": True},
    },
    "requested_procedure": "epidural-steroid-injection",
    "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
    "pain_score": 7,
}


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    stop_at = time.monotonic() + timeout
    while time.monotonic() < stop_at:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    folder: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def pg(self, tool: str, *args: str) -> None:
        binary = next(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), None) or shutil.which(tool)
        subprocess.run(as_postgres([str(binary), *args]), check=True, capture_output=True)  # noqa: S603

    def init(self) -> None:
        self.folder.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.pg("initdb", "-D", str(self.folder), "-U", "postgres", "--auth=trust")
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self.pg(
            "pg_ctl", "-D", str(self.folder), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def restart(self) -> None:
        self.pg("pg_ctl", "-D", str(self.folder), "-m", "fast", "-w", "stop")
        self.start()

    def stop(self) -> None:
        self.pg("pg_ctl", "-D", str(self.folder), "-m", "immediate", "-w", "stop")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchall()


@dataclass
class Services:
    """Redis, gunicorn and the worker, each restartable."""

    env: dict[str, str]
    workdir: Path
    redis_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def spawn(self, name: str, command: list[str]) -> None:
        log = (self.workdir / f"{name}.log").open("ab")
        self.running[name] = subprocess.Popen(  # noqa: S603 -- our own programs, fixed arguments
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_redis(self) -> None:
        command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        self.spawn("redis", [*command, "--appendonly", "no"])
        wait_until(lambda: port_open(self.redis_port), 10, "redis-server")

    def start_web(self) -> None:
        bind = f"127.0.0.1:{self.web_port}"
        self.spawn("web", [str(BIN / "gunicorn"), "portal.wsgi", "--workers", "2", "--bind", bind])
        wait_until(lambda: port_open(self.web_port), 30, "gunicorn")

    def start_worker(self) -> None:
        beat = str(self.workdir / "beat-schedule")
        command = [str(BIN / "celery"), "-A", "portal", "worker", "-B", "-s", beat, "-c", "2", "-l", "INFO"]
        self.spawn("worker", [*command, "--without-gossip", "--without-mingle", "--without-heartbeat"])

    def kill(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.running.pop(name)
        os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name)


def port_open(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
    except OSError:
        return False
    return True


@dataclass
class Tally:
    requests: int = 0
    ok: int = 0
    errors: int = 0
    explained: int = 0
    other: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def submit(base: str, token: str, tally: Tally, database_down: threading.Event) -> None:
    """One referral; a failed request is sent again with the same key, a second apart, up to 10 times."""
    key = str(uuid.uuid4())
    for _ in range(10):
        request = urllib.request.Request(  # noqa: S310 -- loopback
            f"{base}/api/v1/referrals/",
            data=json.dumps(BODY).encode(),
            headers={
                "Authorization": f"Token {token}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            },
        )
        down = database_down.is_set()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            if status < 500 and os.environ.get("FAULTS_VERBOSE"):
                print(status, error.read()[:300], flush=True)
        except OSError:
            status = 599  # no answer at all
        with tally.lock:
            tally.requests += 1
            tally.ok += 200 <= status < 300
            tally.errors += status >= 500
            tally.explained += status >= 500 and (down or database_down.is_set())
            if not 200 <= status < 300:
                tally.other[status] = tally.other.get(status, 0) + 1
        if status < 500:
            return
        time.sleep(1)


def mail_by_message_id(folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in folder.glob("*.json"):
        message_id = json.loads(path.read_text()).get("message_id") or path.name
        counts[message_id] = counts.get(message_id, 0) + 1
    return counts


@dataclass
class Run:
    postgres: Postgres
    services: Services
    mail: Path
    token: str = ""
    database_down: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.services.web_port}"

    def counts(self) -> tuple[int, int]:
        [(referrals, rows)] = self.postgres.query(
            "SELECT (SELECT count(*) FROM referrals_referral),"
            " (SELECT count(*) FROM referrals_notificationoutbox)"
        )
        return referrals, rows


def inject(run: Run, fault: str) -> Callable[[], None]:
    """Start ``fault`` now; returns what ends it."""
    services = run.services
    if fault == "redis stopped":
        services.kill("redis")
        return services.start_redis
    if fault == "worker killed (-9)":
        services.kill("worker", signal.SIGKILL)
        return services.start_worker
    run.database_down.set()
    run.postgres.restart()
    run.database_down.clear()
    return lambda: None


def settle(run: Run, first_row: int, timeout: float) -> list[tuple[Any, ...]]:
    """Wait until no row of this phase is pending; returns (id, status) of the phase's rows."""
    query = f"SELECT id, status FROM referrals_notificationoutbox WHERE id > {first_row}"  # noqa: S608
    stop_at = time.monotonic() + timeout
    while True:
        rows = run.postgres.query(query)
        if all(status != "pending" for _, status in rows) or time.monotonic() > stop_at:
            return rows
        time.sleep(1)


def phase(run: Run, fault: str, referrals: int, settle_seconds: float) -> dict[str, Any]:
    tally = Tally()
    referrals_before, _ = run.counts()
    [(first_row,)] = run.postgres.query("SELECT coalesce(max(id), 0) FROM referrals_notificationoutbox")
    mail_before = mail_by_message_id(run.mail)
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [
            pool.submit(submit, run.base, run.token, tally, run.database_down) for _ in range(referrals // 2)
        ]
        recover = inject(run, fault)
        jobs += [
            pool.submit(submit, run.base, run.token, tally, run.database_down) for _ in range(referrals // 2)
        ]
        for job in jobs:
            job.result()
    recover()
    rows = settle(run, first_row, settle_seconds)
    mail = {key: count - mail_before.get(key, 0) for key, count in mail_by_message_id(run.mail).items()}
    sent = {row_id for row_id, status in rows if status == "sent"}
    delivered = {key for key, count in mail.items() if count > 0}
    ids = {row_id: f"<notification-{row_id}." for row_id in sent}
    return {
        "fault": fault,
        "requests": tally.requests,
        "2xx": tally.ok,
        "5xx": tally.errors,
        "5xx while the database was down": tally.explained,
        "other answers": tally.other or "-",
        "referrals created": run.counts()[0] - referrals_before,
        "messages": len(rows),
        "lost": sum(not any(key.startswith(prefix) for key in delivered) for prefix in ids.values()),
        "doubled": sum(count - 1 for count in mail.values() if count > 1),
        "stuck": sum(status != "sent" for _, status in rows),
    }


def prepare(run: Run) -> None:
    manage = [str(BIN / "python"), "manage.py"]
    env = run.services.env
    for command in (["migrate", "--noinput"], ["seed_demo", "--providers", "50"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    made = subprocess.run(  # noqa: S603 -- our own command
        [*manage, "drf_create_token", CLINICIAN],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    run.token = made.stdout.split()[2]


def environment(postgres: Postgres, services_port: int, mail: Path) -> dict[str, str]:
    redis = f"redis://127.0.0.1:{services_port}"
    return os.environ | {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{postgres.port}/postgres",
        "CELERY_BROKER_URL": f"{redis}/0",
        "CACHE_URL": f"{redis}/1",
        "DEBUG": "false",
        "CONN_MAX_AGE": "60",
        "EMAIL_BACKEND": "tests.services.mail.JsonFileBackend",
        "TEST_EMAIL_DIR": str(mail),
        "NOTIFICATION_LEASE_SECONDS": "10",
        "BACKGROUND_SWEEP_SECONDS": "1",
        "RATE_LIMIT_SEARCH": "1000000/m",
        "LOG_LEVEL": "WARNING",
    }


def report(results: list[dict[str, Any]]) -> bool:
    """Print one line per fault; True when nothing was lost, doubled, stuck or failed unexplained."""
    columns = list(results[0])
    print(" | ".join(columns))
    for result in results:
        print(" | ".join(str(result[column]) for column in columns))
    return all(
        r["lost"] == 0
        and r["doubled"] == 0
        and r["stuck"] == 0
        and r["5xx"] == r["5xx while the database was down"]
        for r in results
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--referrals", type=int, default=200, help="referrals submitted per fault")
    parser.add_argument("--quick", action="store_true", help="20 referrals per fault; exit 1 on any loss")
    args = parser.parse_args()
    count = 20 if args.quick else args.referrals
    with tempfile.TemporaryDirectory(prefix="irportal-faults-") as tmp:
        workdir = Path(tmp)
        os.chmod(workdir, 0o755)  # noqa: S103 -- the postgres user must reach its folder inside
        mail = workdir / "mail"
        mail.mkdir()
        postgres = Postgres(workdir / "pg")
        services = Services(env={}, workdir=workdir)
        services.env = environment(postgres, services.redis_port, mail)
        run = Run(postgres=postgres, services=services, mail=mail)
        postgres.init()
        try:
            ok = execute(run, count)
        finally:
            services.stop_all()
            postgres.stop()
    sys.exit(0 if ok else 1)


def execute(run: Run, count: int) -> bool:
    run.services.start_redis()
    prepare(run)
    run.services.start_web()
    run.services.start_worker()
    print(f"{count} referrals per fault, gunicorn with 2 workers, one Celery worker with beat", flush=True)
    faults = ["redis stopped", "worker killed (-9)", "postgres restarted"]
    return report([phase(run, fault, count, settle_seconds=90) for fault in faults])


if __name__ == "__main__":
    main()
