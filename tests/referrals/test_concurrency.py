"""Races that must have exactly one winner, run for real on PostgreSQL (row locks, constraints)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections
from django.utils import timezone

from referrals import services
from referrals.models import Appointment, Referral, ReferralEvent
from tests.directory.factories import PracticeFactory
from tests.referrals.conftest import referral_request
from tests.referrals.factories import ReferralFactory, StaffFactory

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


def test_retries_racing_on_one_key_make_one_referral_without_a_failing_insert(
    submission: dict[str, Any],
) -> None:
    """A unique violation makes PostgreSQL log the failing INSERT with its values (the clinical
    question, the imaging summary); racing retries must find the first referral without one."""
    failed: list[str] = []

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        try:
            return execute(sql, params, many, context)
        except IntegrityError:
            failed.append(sql.split(" ", 1)[0])
            raise

    def attempt() -> Any:
        with connection.execute_wrapper(watch):
            return services.referral_submit(**submission)

    results = race(*[attempt] * 4)

    assert [type(result).__name__ for result in results] == ["Submission"] * 4
    assert sum(result.created for result in results) == 1
    assert Referral.objects.count() == 1
    assert failed == []
