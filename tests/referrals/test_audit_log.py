"""The audit log is tamper-evident: a hash chain that ``verify_audit_log`` checks, a PostgreSQL
trigger that refuses changes, and entries that commit with the change they record
(docs/resilience.md, "Audit log")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from referrals.audit import audit_record, audit_record_many
from referrals.models import Appointment, AuditLogEntry, Referral
from tests.referrals.factories import ReferralFactory, UserFactory
from tests.referrals.test_admin import (  # noqa: F401 - the admin's scene is a fixture
    CHANGELIST,
    change_url,
    management_forms,
    scene,
    signed_in,
)

pytestmark = pytest.mark.django_db

TABLE = "referrals_auditlogentry"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the trigger exists on PostgreSQL only; SQLite has no roles to guard",
)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit_log", stdout=out)
    return out.getvalue()


def raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def alter_table(sql: str) -> None:
    """Run ALTER TABLE in the test's transaction: PostgreSQL wants its deferred key checks done first."""
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")
    raw(sql)
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL DEFERRED")


@contextmanager
def trigger_off() -> Iterator[None]:
    """What a database owner could do: switch the PostgreSQL trigger off to tamper with rows."""
    if connection.vendor == "postgresql":
        alter_table(f"ALTER TABLE {TABLE} DISABLE TRIGGER referrals_auditlogentry_append_only")
    yield
    if connection.vendor == "postgresql":
        alter_table(f"ALTER TABLE {TABLE} ENABLE TRIGGER referrals_auditlogentry_append_only")


@pytest.fixture
def five_entries() -> list[AuditLogEntry]:
    referrals = ReferralFactory.create_batch(3)
    reader = UserFactory.create()
    [first] = [audit_record(actor=reader, action="update", obj=referrals[0], detail="accept")]
    return [
        first,
        *audit_record_many(actor=reader, action="read", objs=referrals),
        audit_record(actor=reader, action="export", obj=referrals[2], detail="csv"),
    ]


def test_an_untouched_log_is_reported_intact_with_its_count(five_entries: list[AuditLogEntry]) -> None:
    assert verify() == "The audit log is intact: 5 entries, every link checked.\n"


def test_an_edited_entry_is_reported_as_the_first_broken_link(five_entries: list[AuditLogEntry]) -> None:
    third = five_entries[2]
    with trigger_off():
        raw("UPDATE referrals_auditlogentry SET detail = %s WHERE id = %s", "nothing to see", third.pk)

    with pytest.raises(
        CommandError, match=rf"entry {third.pk} .*does not follow.*\(2 entries before it verify\)"
    ):
        verify()


def test_a_removed_entry_is_reported_at_the_entry_after_it(five_entries: list[AuditLogEntry]) -> None:
    with trigger_off():
        raw("DELETE FROM referrals_auditlogentry WHERE id = %s", five_entries[1].pk)

    with pytest.raises(CommandError, match=rf"entry {five_entries[2].pk} "):
        verify()


def test_entries_removed_from_the_end_are_reported(five_entries: list[AuditLogEntry]) -> None:
    with trigger_off():
        raw("DELETE FROM referrals_auditlogentry WHERE id = %s", five_entries[-1].pk)

    with pytest.raises(
        CommandError, match=r"5 entries were appended .*\(it has 4\): entries are missing from its end\.$"
    ):
        verify()


def test_the_command_exits_non_zero_when_a_link_is_broken(five_entries: list[AuditLogEntry]) -> None:
    with trigger_off():
        raw("UPDATE referrals_auditlogentry SET actor_id = NULL WHERE id = %s", five_entries[0].pk)
    with pytest.raises(SystemExit) as exit_:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "verify_audit_log"])
    assert exit_.value.code != 0


@on_postgresql
@pytest.mark.parametrize(
    "statement", ["UPDATE referrals_auditlogentry SET detail = 'x'", "DELETE FROM referrals_auditlogentry"]
)
def test_postgresql_refuses_a_raw_update_or_delete_of_the_audit_log(
    five_entries: list[AuditLogEntry], statement: str
) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(statement)
    assert verify().startswith("The audit log is intact: 5 entries")


# --- An entry commits with the change it records -------------------------------------------------


@contextmanager
def audit_table_unavailable() -> Iterator[None]:
    """The audit table cannot be written (renamed away for the test; renamed back after)."""
    alter_table(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_away")
    try:
        yield
    finally:
        alter_table(f"ALTER TABLE {TABLE}_away RENAME TO {TABLE}")


def test_an_admin_action_whose_audit_entry_fails_changes_nothing(
    client: Any,
    scene: Any,  # noqa: F811 - the fixture imported above
) -> None:
    referral = scene["lakeside_referral"]
    staff = signed_in(client, scene["lakeside_staff"])

    with audit_table_unavailable():
        staff.post(
            CHANGELIST, {"action": "accept_referrals", "_selected_action": [referral.pk], "index": "0"}
        )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
    assert not referral.events.filter(kind="accepted").exists()
    page = staff.get(CHANGELIST).content.decode()
    assert "not changed: the change could not be recorded in the audit log" in page


def test_a_visit_booked_in_the_change_view_is_not_kept_when_its_audit_entry_fails(
    client: Any,
    scene: Any,  # noqa: F811 - the fixture imported above
) -> None:
    referral = scene["lakeside_referral"]
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.ACCEPTED)
    staff = signed_in(client, scene["lakeside_staff"])
    form = {
        **management_forms(referral, appointments_total=1),
        "appointments-0-kind": "consult",
        "appointments-0-starts_at_0": "2031-03-04",
        "appointments-0-starts_at_1": "10:00:00",
        "appointments-0-referral": referral.pk,
        "_save": "Save",
    }

    with audit_table_unavailable(), pytest.raises(DatabaseError):
        staff.post(change_url(referral), form)

    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert not Appointment.objects.filter(referral=referral).exists()
    assert verify().startswith("The audit log is intact")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_writers_appending_at_once_never_fork_the_chain() -> None:
    from tests.referrals.test_concurrency import race

    referral = ReferralFactory.create()
    readers = UserFactory.create_batch(6)

    def reads(reader: Any) -> Any:
        def append() -> None:
            for _ in range(5):
                audit_record(actor=reader, action="read", obj=referral)
                audit_record_many(actor=reader, action="read", objs=[referral, referral])

        return append

    results = race(*[reads(reader) for reader in readers])

    assert results == [None] * 6
    assert verify() == "The audit log is intact: 90 entries, every link checked.\n"
    assert AuditLogEntry.objects.values("chain_hash").distinct().count() == 90


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_clinician_reading_while_submitting_never_deadlocks_on_the_audit_log(
    clinician: Any, near_staff: Any
) -> None:
    """A submission locks the clinician's row, then appends to the log; a read by the same
    clinician appends first and checks its actor key at commit. Neither may wait on the other."""
    from referrals import services
    from tests.referrals.conftest import referral_request
    from tests.referrals.test_concurrency import race

    earlier = services.referral_submit(clinician=clinician, **referral_request()).referral

    def submit() -> Any:
        with transaction.atomic():
            referral = services.referral_submit(clinician=clinician, **referral_request()).referral
            return audit_record(actor=clinician, action="create", obj=referral)

    def read() -> Any:
        return audit_record(actor=clinician, action="read", obj=earlier)

    for _ in range(5):
        results = race(submit, read)
        assert all(isinstance(result, AuditLogEntry) for result in results), results
    assert verify() == "The audit log is intact: 10 entries, every link checked.\n"
