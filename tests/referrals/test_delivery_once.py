"""Each message reaches its recipient once: a stable Message-ID, and a bounded decision when in doubt."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from referrals import notifications, tasks
from referrals.models import NotificationOutbox

pytestmark = pytest.mark.django_db

Outbox = NotificationOutbox


@pytest.fixture
def row(submit: Any, near_staff: Any) -> NotificationOutbox:
    submit()
    return Outbox.objects.get(recipient_kind="practice")


def database_lost_after_each_send(monkeypatch: pytest.MonkeyPatch, settings: Any, *, for_tries: int) -> None:
    """The database is unreachable for the next ``for_tries`` tries to record a send."""
    settings.NOTIFICATION_RECORD_PATIENCE_SECONDS = 0
    real = notifications._record_sent
    left = [for_tries]

    def record_sent(row: NotificationOutbox) -> None:
        if left[0] > 0:
            left[0] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        real(row)

    monkeypatch.setattr(notifications, "_record_sent", record_sent)


def lease_runs_out(row: NotificationOutbox) -> None:
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))


def test_a_message_carries_a_message_id_naming_its_outbox_row(row: NotificationOutbox) -> None:
    tasks.deliver_notification(row.pk)

    [message] = mail.outbox
    assert message.extra_headers["Message-ID"].startswith(f"<notification-{row.pk}.")
    assert message.message()["Message-ID"] == notifications.message_id(row)


def test_a_send_whose_record_was_lost_is_resent_once_with_the_same_message_id_and_logged(
    row: NotificationOutbox, monkeypatch: pytest.MonkeyPatch, settings: Any, caplog: Any
) -> None:
    database_lost_after_each_send(monkeypatch, settings, for_tries=1)
    with pytest.raises(OperationalError):
        tasks.deliver_notification(row.pk)
    lease_runs_out(row)

    with caplog.at_level(logging.WARNING):
        assert notifications.notifications_deliver_due() == 1

    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert "may have been sent; sending once more with the same Message-ID" in caplog.text
    assert Outbox.objects.get(pk=row.pk).status == Outbox.Status.SENT


def test_a_row_cut_off_twice_is_marked_failed_not_sent_a_third_time(
    row: NotificationOutbox, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    database_lost_after_each_send(monkeypatch, settings, for_tries=2)
    for _ in range(2):
        with pytest.raises(OperationalError):
            notifications.notification_deliver(notification_id=row.pk)
        lease_runs_out(row)

    notifications.notifications_deliver_due()

    this_row = [m for m in mail.outbox if m.extra_headers["Message-ID"] == notifications.message_id(row)]
    assert len(this_row) == 2
    row.refresh_from_db()
    assert row.status == Outbox.Status.FAILED
    assert row.last_error == notifications.GIVEN_UP_IN_DOUBT


@pytest.mark.django_db(transaction=True)  # reconnecting needs no test transaction around it
def test_a_database_back_within_the_patience_records_the_send_and_nothing_is_resent(
    row: NotificationOutbox, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    # Without a test transaction the submission's own delivery ran at once: start it afresh.
    Outbox.objects.filter(pk=row.pk).update(status=Outbox.Status.PENDING, sent_at=None, attempts=0)
    mail.outbox.clear()
    database_lost_after_each_send(monkeypatch, settings, for_tries=2)
    settings.NOTIFICATION_RECORD_PATIENCE_SECONDS = 5

    assert tasks.deliver_notification(row.pk) is True
    lease_runs_out(row)

    assert notifications.notifications_deliver_due() == 0
    assert len(mail.outbox) == 1
    assert Outbox.objects.get(pk=row.pk).status == Outbox.Status.SENT
