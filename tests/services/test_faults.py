"""Faults delay a message but never lose or double it: broker down, worker killed, database dropped."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection

from referrals import services
from referrals.models import NotificationOutbox, Referral
from tests.services.conftest import Scene, Workers, free_port, publishing_to, to, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

Outbox = NotificationOutbox
Mail = Callable[[], list[dict[str, Any]]]


def every_row_delivered_once(mail: Mail) -> bool:
    """True when each outbox row is sent and its recipient got exactly one e-mail about it."""
    rows = list(Outbox.objects.all())
    messages = mail()
    return bool(rows) and all(row.status == Outbox.Status.SENT for row in rows) and len(messages) == len(rows)


def test_with_the_broker_down_submissions_succeed_and_the_sweep_delivers_each_message_once(
    workers: Workers, scene: Scene, mail: Mail
) -> None:
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there
        started = time.monotonic()
        responses = [scene.submit() for _ in range(3)]
        slowest = time.monotonic() - started
    assert [response.status_code for response in responses] == [201, 201, 201]
    assert slowest < 10
    assert Referral.objects.count() == 3
    assert Outbox.objects.filter(status=Outbox.Status.PENDING).count() == 3
    assert mail() == []

    workers.start(beat=True)  # the broker is back: beat's sweep finds the pending rows
    wait_for(lambda: every_row_delivered_once(mail), what="the sweep to deliver every message")
    time.sleep(2.5)  # a few more sweeps: none may send anything again
    assert len(to(scene.near_staff.email, mail())) == 3
    assert every_row_delivered_once(mail)


def claimed(row_filter: dict[str, Any]) -> bool:
    return Outbox.objects.filter(attempts__gte=1, **row_filter).exists()


def test_a_worker_killed_mid_delivery_leaves_a_message_sent_once_after_restart(
    workers: Workers, scene: Scene, mail: Mail
) -> None:
    doomed = workers.start(TEST_EMAIL_DELAY_SECONDS=5)
    assert scene.submit().status_code == 201
    wait_for(lambda: claimed({"recipient_kind": "practice"}), what="the worker to claim the row")
    workers.kill(doomed)
    assert mail() == []
    assert Outbox.objects.get().status == Outbox.Status.PENDING

    workers.start(beat=True)  # the claim's lease (4 s) runs out, then the sweep sends it
    wait_for(lambda: every_row_delivered_once(mail), what="delivery after the restart")
    time.sleep(2.5)
    assert len(mail()) == 1
    assert Outbox.objects.get().attempts == 2


def test_a_dropped_database_connection_mid_delivery_is_reconnected_and_the_message_sent_once(
    workers: Workers, scene: Scene, mail: Mail
) -> None:
    workers.start(TEST_EMAIL_DELAY_SECONDS=2)
    assert scene.submit().status_code == 201
    wait_for(lambda: claimed({}), what="the worker to claim the row")
    dropped = terminate_other_connections()
    assert dropped >= 1
    wait_for(lambda: every_row_delivered_once(mail), what="delivery after the reconnect")
    assert len(mail()) == 1
    assert "Database connection lost during delivery; reconnecting" in workers.log_text()


def test_a_task_that_cannot_reach_the_database_retries_and_completes_once_it_is_back(
    workers: Workers, scene: Scene, mail: Mail
) -> None:
    workers.start(concurrency=1)
    assert scene.submit().status_code == 201
    wait_for(lambda: every_row_delivered_once(mail), what="the first delivery")
    referral = Referral.objects.get()
    settings = connection.settings_dict
    name = connection.ops.quote_name(settings["NAME"])
    # From the maintenance database: a session cannot lock out the database it is in.
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
    ) as admin:
        # As during a database restart: every other session dropped, no new one let in.
        admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
        try:
            terminate_other_connections()
            services.referral_accept(referral=referral, user=scene.near_staff)
            wait_for(lambda: "Retry in" in workers.log_text(), what="the task to schedule a retry")
            assert to(scene.clinician.email, mail()) == []
        finally:
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
    wait_for(
        lambda: to(scene.clinician.email, mail()), timeout=30, what="the clinician's e-mail after the retry"
    )
    assert every_row_delivered_once(mail)


def test_a_worker_whose_kept_connection_was_dropped_reconnects_before_its_next_task(
    workers: Workers, scene: Scene, mail: Mail
) -> None:
    # Kept between tasks (CONN_MAX_AGE): the next task finds the connection dead, and the
    # health check (CONN_HEALTH_CHECKS) replaces it before the task's first query.
    workers.start(CONN_MAX_AGE=600, concurrency=1)
    assert scene.submit().status_code == 201
    wait_for(lambda: every_row_delivered_once(mail), what="the first delivery")
    assert terminate_other_connections() >= 1

    services.referral_accept(referral=Referral.objects.get(), user=scene.near_staff)
    wait_for(lambda: to(scene.clinician.email, mail()), what="the clinician's e-mail")
    assert "Retry in" not in workers.log_text()  # no failed attempt first
    assert every_row_delivered_once(mail)


def terminate_other_connections() -> int:
    """Drop every other session on the test database (the workers'), as a database restart would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0
