"""A referral whose practice cannot be reached moves on; coordinators and /health/ see it.

The rules are in docs/workflow.md ("Delivery"). Time is moved by stamping rows and passing
``now`` to the sweep, the way the periodic job sees them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from directory.models import Practice
from referrals import delivery, tasks
from referrals.models import NotificationOutbox, Referral
from referrals.roles import coordinator_group
from tests.referrals.conftest import practice_km_north
from tests.referrals.factories import UserFactory
from tests.referrals.mail import RefusingBackend

pytestmark = pytest.mark.django_db

Outbox = NotificationOutbox
GRACE = datetime.timedelta(minutes=30)


@pytest.fixture(autouse=True)
def refusing_mail_server() -> Iterator[None]:
    RefusingBackend.down = False
    with override_settings(
        EMAIL_BACKEND="tests.referrals.mail.RefusingBackend",
        NOTIFICATION_MAX_ATTEMPTS=3,
        REFERRAL_DELIVERY_GRACE_MINUTES=30,
    ):
        yield
    RefusingBackend.down = False


@pytest.fixture
def broken_inbox() -> Practice:
    return practice_km_north(3, name="Lakeside Spine and Vascular", inbox="desk@unreachable.example")


@pytest.fixture
def working_inbox() -> Practice:
    return practice_km_north(9, name="Summit Interventional Radiology")


def notice(referral: Referral, practice: Practice) -> NotificationOutbox:
    return Outbox.objects.get(referral=referral, practice=practice, recipient_kind="practice")


def attempt(row: NotificationOutbox) -> None:
    """One delivery attempt of ``row``, as soon as its retry is due."""
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=None)
    tasks.deliver_notification(row.pk)


def test_a_permanently_failing_inbox_moves_the_referral_on_within_the_grace_period(
    submit: Any, broken_inbox: Practice, working_inbox: Practice
) -> None:
    referral = submit()
    assert referral.practice == broken_inbox
    row = notice(referral, broken_inbox)
    for _ in range(3):  # 30 s then 60 s apart: the last attempt is minutes, not half an hour, later
        attempt(row)

    referral.refresh_from_db()
    assert referral.practice == working_inbox and referral.status == Referral.Status.PENDING
    [event] = referral.events.filter(kind="delivery_failed")
    assert event.practice == broken_inbox and "could not be reached" in event.comment
    told = set(
        Outbox.objects.filter(referral=referral, event_kind="delivery_failed").values_list(
            "recipient_kind", flat=True
        )
    )
    assert told == {"clinician", "coordinator"}


def test_an_inbox_that_never_answers_moves_the_referral_on_once_the_grace_period_is_over(
    submit: Any, broken_inbox: Practice, working_inbox: Practice
) -> None:
    RefusingBackend.down = True
    referral = submit()
    attempt(notice(referral, broken_inbox))  # failed, retried later: not yet given up
    written = notice(referral, broken_inbox).created_at

    assert delivery.referrals_move_on_undelivered(now=written + GRACE - datetime.timedelta(minutes=1)) == 0
    assert delivery.referrals_move_on_undelivered(now=written + GRACE + datetime.timedelta(seconds=1)) == 1

    referral.refresh_from_db()
    assert referral.practice == working_inbox
    assert referral.events.filter(kind="delivery_failed", practice=broken_inbox).count() == 1


def test_a_slow_but_successful_delivery_keeps_the_referral_where_it_is(
    submit: Any, working_inbox: Practice
) -> None:
    RefusingBackend.down = True
    referral = submit()
    row = notice(referral, working_inbox)
    attempt(row)
    attempt(row)
    RefusingBackend.down = False
    attempt(row)  # the third try gets through

    assert notice(referral, working_inbox).status == Outbox.Status.SENT
    assert delivery.referrals_move_on_undelivered(now=row.created_at + GRACE * 3) == 0
    referral.refresh_from_db()
    assert referral.practice == working_inbox
    assert not referral.events.filter(kind="delivery_failed").exists()


def test_a_practice_whose_channel_fails_twice_in_a_row_is_on_the_coordinators_worklist(
    client: Any, submit: Any, broken_inbox: Practice, working_inbox: Practice
) -> None:
    for _ in range(2):
        row = notice(submit(), broken_inbox)
        for _ in range(3):
            attempt(row)
    broken_inbox.refresh_from_db()
    working_inbox.refresh_from_db()
    assert broken_inbox.delivery_failures_in_a_row == 2

    coordinator = UserFactory.create(username="coordinator", is_staff=True)
    coordinator.groups.add(coordinator_group())
    client.force_login(coordinator)
    page = client.get("/referrals/worklist/").content.decode()
    attention = page[page.index('id="needs-attention"') :]
    assert "Lakeside Spine and Vascular" in attention
    assert "failed 2 times in a row" in attention
    assert "Summit Interventional Radiology" not in attention


def test_a_notice_that_gets_through_clears_the_failures_in_a_row(
    submit: Any, working_inbox: Practice
) -> None:
    Practice.objects.filter(pk=working_inbox.pk).update(delivery_failures_in_a_row=1)
    attempt(notice(submit(), working_inbox))
    working_inbox.refresh_from_db()
    assert working_inbox.delivery_failures_in_a_row == 0


def test_health_is_503_while_a_referral_waits_on_a_failed_delivery_past_the_grace_period(
    client: Any, submit: Any, broken_inbox: Practice, working_inbox: Practice
) -> None:
    referral = submit()  # nothing delivered yet: the sweep has not run
    Outbox.objects.filter(referral=referral).update(
        created_at=timezone.now() - GRACE - datetime.timedelta(minutes=1)
    )

    stuck = client.get("/health/")
    assert stuck.status_code == 503
    assert stuck.json()["referrals_stuck_past_delivery_grace"] == 1
    assert stuck.json()["referrals_waiting_on_failed_delivery"] == 1

    call_command("run_background_work", stdout=StringIO())  # the sweep moves it on

    referral.refresh_from_db()
    assert referral.practice == working_inbox
    healthy = client.get("/health/")
    assert healthy.status_code == 200, healthy.json()
    assert healthy.json()["referrals_waiting_on_failed_delivery"] == 0
    assert healthy.json()["failed_notifications_24h"] >= 1


def test_the_clinician_sees_why_the_referral_moved(
    client: Any, submit: Any, clinician: Any, broken_inbox: Practice, working_inbox: Practice
) -> None:
    referral = submit()
    row = notice(referral, broken_inbox)
    for _ in range(3):
        attempt(row)
    client.force_login(clinician)
    page = client.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "Could not be delivered (Lakeside Spine and Vascular)" in page
    assert "referral inbox could not be reached" in page
    assert "With <strong>Summit Interventional Radiology</strong>" in page


def fail_every_pending_notice() -> None:
    """Try each undelivered notification, and those its failure writes, until each is sent or gives up."""
    for _ in range(10):
        for row in Outbox.objects.filter(status=Outbox.Status.PENDING):
            attempt(row)


@override_settings(REFERRAL_COORDINATOR_EMAIL="coordinators@unreachable.example")
def test_every_kind_of_failed_notification_is_counted_in_health_and_on_the_worklist(
    client: Any, submit: Any, broken_inbox: Practice, working_inbox: Practice
) -> None:
    submit()
    fail_every_pending_notice()

    report = client.get("/health/").json()
    by_kind = {
        (k["event_kind"], k["recipient_kind"]): k["failed"]
        for k in report["failed_notifications_24h_by_kind"]
    }
    assert by_kind == {("routed", "practice"): 1, ("delivery_failed", "coordinator"): 1}
    assert report["failed_notifications_24h"] == 2

    coordinator = UserFactory.create(username="coordinator", is_staff=True)
    coordinator.groups.add(coordinator_group())
    client.force_login(coordinator)
    page = client.get("/referrals/worklist/").content.decode()
    failed = page[page.index('id="failed-notifications"') :]
    assert "<td>Routed to a practice</td><td>Practice staff</td><td>1</td>" in failed
    assert "<td>Could not be delivered</td><td>Referral coordinators</td><td>1</td>" in failed


def test_the_worklist_says_when_no_notification_failed(client: Any) -> None:
    coordinator = UserFactory.create(username="coordinator", is_staff=True)
    coordinator.groups.add(coordinator_group())
    client.force_login(coordinator)
    assert (
        "No notification failed in the last 24 hours." in client.get("/referrals/worklist/").content.decode()
    )
