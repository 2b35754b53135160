"""Races that must have exactly one winner, run for real on PostgreSQL (row locks, constraints)."""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from referrals import services
from referrals.models import Appointment, Referral, ReferralEvent
from tests.directory.factories import PracticeFactory
from tests.referrals.conftest import referral_request
from tests.referrals.factories import ReferralFactory, StaffFactory
from tests.referrals.server_log import ServerLog, ServerLogUnreadable

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every write, so there is no race to test; run with DATABASE_URL=postgres://...",
    ),
]


def race(*attempts: Callable[[], Any]) -> list[Any]:
    """Run the attempts at the same moment, each on its own connection; returns results or errors."""
    barrier = threading.Barrier(len(attempts))
    results: list[Any] = [None] * len(attempts)

    def run(index: int, attempt: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = attempt()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, attempt)) for i, attempt in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_staff_accepting_the_same_referral_at_once_only_one_succeeds() -> None:
    practice = PracticeFactory.create()
    referral = ReferralFactory.create(practice=practice)
    first, second = StaffFactory.create(practice=practice), StaffFactory.create(practice=practice)
    results = race(
        lambda: services.referral_accept(referral=Referral.objects.get(pk=referral.pk), user=first),
        lambda: services.referral_accept(referral=Referral.objects.get(pk=referral.pk), user=second),
    )
    assert sum(isinstance(result, Referral) for result in results) == 1
    assert sum(isinstance(result, services.InvalidTransition) for result in results) == 1
    assert ReferralEvent.objects.filter(referral=referral, kind="accepted").count() == 1


def test_two_bookings_of_the_same_slot_at_once_only_one_succeeds() -> None:
    practice = PracticeFactory.create()
    staff = StaffFactory.create(practice=practice)
    one, two = ReferralFactory.create_batch(2, practice=practice, status=Referral.Status.ACCEPTED)
    slot = timezone.now() + datetime.timedelta(days=2)

    def book(referral: Referral) -> Callable[[], Any]:
        return lambda: services.appointment_schedule(
            referral=Referral.objects.get(pk=referral.pk), user=staff, kind="consult", starts_at=slot
        )

    results = race(book(one), book(two))
    assert sum(isinstance(result, Appointment) for result in results) == 1
    assert sum(isinstance(result, services.SlotTaken) for result in results) == 1
    assert Appointment.objects.filter(practice=practice, starts_at=slot, status="booked").count() == 1


@pytest.fixture
def submission(clinician: Any, near_staff: Any) -> dict[str, Any]:
    """Everything ``referral_submit`` needs, with one idempotency key for every retry."""
    return {"clinician": clinician, **referral_request()}


@pytest.fixture
def server_log() -> ServerLog:
    """The server's log, with every failing statement written to it (as PostgreSQL does by default)."""
    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    try:
        log = ServerLog()
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} SET log_min_error_statement = 'error'")
            cursor.execute(f"ALTER DATABASE {name} SET log_min_messages = 'error'")
        log.prove_failing_statements_are_logged()
    except ServerLogUnreadable as why:
        pytest.skip(f"cannot read the PostgreSQL server log: {why}")
    return log


def test_retries_racing_on_one_key_make_one_referral_and_leave_no_clinical_text_in_the_server_log(
    submission: dict[str, Any], server_log: ServerLog
) -> None:
    """A unique violation makes PostgreSQL log the failing INSERT with its values (the clinical
    question, the imaging summary); racing retries must find the first referral without one."""
    question = f"Radicular pain, case {uuid.uuid4()}: is an epidural injection appropriate?"
    submission["clinical_question"] = question
    submission["imaging_summary"] = f"MRI {uuid.uuid4()}: L4-L5 disc protrusion contacting the left L5 root."

    results = race(*[lambda: services.referral_submit(**submission)] * 4)

    assert [type(result).__name__ for result in results] == ["Submission"] * 4
    assert sum(result.created for result in results) == 1
    assert Referral.objects.count() == 1
    written = server_log.since_start()
    assert question not in written
    assert submission["imaging_summary"] not in written
