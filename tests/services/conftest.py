"""Real services for the background-work tests: a private Redis, Celery worker processes and
the pytest PostgreSQL database shared with them.

Each session starts its own redis-server on a free loopback port, so the tests never touch
the Redis other programs use. Workers are started per test, pointed at the test database,
and write mail through ``tests.services.mail.JsonFileBackend`` into a folder the test reads.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from portal.celery import app as celery_app
from tests.referrals.conftest import PATIENT_ZIP, practice_km_north
from tests.referrals.factories import StaffFactory, UserFactory, epidural_injection
from tests.services.mail import delivered
from tests.triage.factories import answers_with

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
# Workers run with DEBUG off, which needs a real key; they sign nothing the tests read back.
WORKER_SECRET_KEY = secrets.token_urlsafe(50)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll until ``condition()`` is truthy and return it; fail the test after ``timeout`` seconds."""
    stop_at = time.monotonic() + timeout
    while time.monotonic() < stop_at:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [  # noqa: S607 (redis-server from PATH, as CI installs it)
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, what="redis-server to start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def queue_length(self, queue: str = "irportal") -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(f"LLEN {queue}\r\n".encode())
            return int(sock.recv(64).strip().lstrip(b":"))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(port=free_port())
    server.start()
    yield server
    server.stop()


POSTGRES_ONLY = "needs PostgreSQL: a worker process must share the test database (set DATABASE_URL)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip these tests before any database setup on SQLite, where their rollback data cannot load."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.skip(reason=POSTGRES_ONLY))


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES_ONLY)


@contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make this (web) process publish tasks to ``broker_url`` instead of running them eagerly."""
    conf = celery_app.conf
    saved = {"broker_url": conf.broker_url, "task_always_eager": conf.task_always_eager}

    def drop_connections() -> None:
        # Forget the pools bound to the old URL (not close them: kombu keeps them per URL and
        # hands the same ones back when that URL is used again).
        celery_app._pool = None  # type: ignore[attr-defined]
        celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]

    drop_connections()
    conf.update(broker_url=broker_url, task_always_eager=False)
    try:
        yield
    finally:
        drop_connections()
        conf.update(saved)


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def mail(mail_dir: Path) -> Callable[[], list[dict[str, Any]]]:
    """Every message the workers have delivered so far."""
    return lambda: delivered(mail_dir)


@dataclass
class Workers:
    """Celery worker processes for one test, stopped (or killed) at its end."""

    broker_url: str
    mail_dir: Path
    tmp_path: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    def start(self, *, beat: bool = False, concurrency: int = 2, **env: Any) -> subprocess.Popen[bytes]:
        """Start a worker (with an embedded beat if asked) and wait until it is ready."""
        name = f"w{len(self.running) + 1}"
        log = self.tmp_path / f"{name}.log"
        database = connection.settings_dict
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "CELERY_BROKER_URL": self.broker_url,
            "SECRET_KEY": WORKER_SECRET_KEY,
            "EMAIL_BACKEND": "tests.services.mail.JsonFileBackend",
            "TEST_EMAIL_DIR": str(self.mail_dir),
            "NOTIFICATION_LEASE_SECONDS": "4",
            "BACKGROUND_SWEEP_SECONDS": "1",
            "LOG_LEVEL": "INFO",
            **{key: str(value) for key, value in env.items()},
        }
        command = [CELERY, "-A", "portal", "worker", "-n", f"{name}@%h", "-c", str(concurrency)]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        if beat:
            command += ["-B", "-s", str(self.tmp_path / f"{name}-beat-schedule")]
        process = subprocess.Popen(  # noqa: S603 (our own worker, fixed arguments)
            command,
            cwd=ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        self.logs.append(log)
        wait_for(lambda: b" ready." in log.read_bytes(), timeout=30, what=f"worker {name} to be ready")
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and every process it forked, as a crashed host would."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def workers(
    transactional_db: None, redis_server: RedisServer, mail_dir: Path, tmp_path: Path
) -> Iterator[Workers]:
    """Start workers with ``workers.start()``; this process publishes to the same private Redis."""
    team = Workers(broker_url=redis_server.url, mail_dir=mail_dir, tmp_path=tmp_path)
    with publishing_to(redis_server.url):
        try:
            yield team
        finally:
            team.stop_all()


@dataclass
class Scene:
    """A clinician in Denver and two IR practices north of the patient, each with one staff member."""

    clinician: Any
    near_staff: Any
    far_staff: Any

    def submit(self, api: APIClient | None = None) -> Any:
        """POST one referral through the API as the clinician; returns the response."""
        if api is None:
            api = APIClient()
            api.force_authenticate(self.clinician)
        return api.post(
            "/api/v1/referrals/", referral_body(), format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
        )


def referral_body() -> dict[str, Any]:
    return {
        "patient": {
            "first_name": "Maria",
            "last_name": "Lopez",
            "birth_date": "1970-05-17",
            "sex": "female",
            "phone": "555-0123",
            "postal_code": PATIENT_ZIP,
        },
        "triage": {"pain_duration_weeks": 8, "answers": answers_with("leg_weakness")},
        "requested_procedure": "epidural-steroid-injection",
        "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
        "pain_score": 7,
    }


@pytest.fixture
def scene(transactional_db: None) -> Scene:
    epidural_injection()  # a transactional test flushed the catalog rows of the last one
    near = practice_km_north(5, name="Lakeside Spine and Vascular")
    far = practice_km_north(30, name="Summit Interventional Radiology")
    scene = Scene(
        clinician=UserFactory.create(username="dr.adams"),
        near_staff=StaffFactory.create(username="staff.near", practice=near),
        far_staff=StaffFactory.create(username="staff.far", practice=far),
    )
    # Each practice's referral inbox is its staff member's own address.
    for practice, staff in ((near, scene.near_staff), (far, scene.far_staff)):
        practice.referral_inbox_email = staff.email
        practice.save(update_fields=["referral_inbox_email"])
    return scene


def to(address: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages addressed to ``address``."""
    return [message for message in messages if address in message["to"]]
