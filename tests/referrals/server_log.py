"""The PostgreSQL server's own log, read through the server (``pg_read_file``) by a superuser.

With the logging collector on, ``pg_current_logfile()`` names the file; without it the log
goes where the server's stderr goes, given by ``POSTGRES_SERVER_LOG`` (Debian's packages
write ``/var/log/postgresql/postgresql-<major>-main.log``, the default tried here).
"""

from __future__ import annotations

import os
import uuid

from django.db import DatabaseError, connection, transaction


class ServerLogUnreadable(Exception):
    """Why this server's log cannot be read from here (a reason to skip, not a failure)."""


def _scalar(sql: str, params: tuple[str | int, ...] = ()) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _log_path() -> str:
    current = _scalar("SELECT pg_current_logfile()")
    if current:
        return str(current)
    major = int(str(_scalar("SHOW server_version_num"))) // 10000
    return os.environ.get("POSTGRES_SERVER_LOG", f"/var/log/postgresql/postgresql-{major}-main.log")


class ServerLog:
    """The server log from the moment this object is made: ``since_start()`` is what was written after."""

    def __init__(self) -> None:
        if not _scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            raise ServerLogUnreadable("reading the server log needs a superuser database role")
        self.path = _log_path()
        try:
            self.start = int(str(_scalar("SELECT size FROM pg_stat_file(%s)", (self.path,))))
        except DatabaseError as error:
            raise ServerLogUnreadable(
                f"no server log at {self.path} ({error}); set POSTGRES_SERVER_LOG"
            ) from error

    def since_start(self) -> str:
        size = int(str(_scalar("SELECT size FROM pg_stat_file(%s)", (self.path,))))
        return str(_scalar("SELECT pg_read_file(%s, %s, %s)", (self.path, self.start, size - self.start)))

    def prove_failing_statements_are_logged(self) -> None:
        """Run a failing statement carrying a fresh marker and find it in the log, or raise
        ``ServerLogUnreadable``: a clean log then means nothing failed, not that nothing was logged."""
        marker = f"log-canary-{uuid.uuid4()}"
        try:
            with transaction.atomic():
                _scalar("SELECT %s::integer", (marker,))
        except DatabaseError:
            pass
        if marker not in self.since_start():
            raise ServerLogUnreadable(f"a failing statement did not reach {self.path}")
