"""After the database drops a web process's persistent connection, the next request reconnects."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL to drop a connection"),
]


def terminate(pid: int) -> None:
    """End one server process from another connection, as a database restart does."""
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"]
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def persistent_connection() -> Any:
    """Connections kept between requests, as production runs (CONN_MAX_AGE > 0)."""
    saved = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.close()
    yield connection
    connection.settings_dict["CONN_MAX_AGE"] = saved
    connection.close()


def test_the_first_request_after_a_dropped_connection_reconnects(persistent_connection: Any) -> None:
    close_old_connections()  # a request starts
    with persistent_connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    close_old_connections()  # it ends; the connection is kept for the next one
    terminate(pid)

    close_old_connections()  # the next request starts
    with persistent_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
