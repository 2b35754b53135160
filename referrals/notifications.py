"""Delivering the notification outbox: claiming, sending, recording (``notice_emails`` renders).

Every outbox row is written in the transaction that caused it; this module gets it to its
recipient at least once and, short of a crash between the mail server's "OK" and our own
record of it, exactly once:

- A row is *claimed* before it is sent: a conditional UPDATE that must change exactly one
  row (one message) or ``SELECT ... FOR UPDATE SKIP LOCKED`` (a sweep's batch). The claim is
  a lease (``next_attempt_at``): a worker killed mid-send leaves a row that comes back once
  the lease runs out, never one that is lost or sent by two workers at once.
- A failed send is retried with exponential backoff up to a ceiling; after the last attempt
  the row is marked failed. Due times live in the row, so nothing waits in the broker.

Subjects and logs never carry patient names; rows are named by their id only.

This module sits below the services and the tasks and imports neither: it announces rows
to queue (``notifications_written``) and practice notices that failed for good
(``practice_notice_failed``), and the outer layers that own those jobs listen
(``referrals.tasks`` queues the delivery, ``referrals.delivery`` moves the referral on).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from directory.services import practice_endpoint_mark_error, practice_record_delivery
from referrals import channels
from referrals.models import NotificationOutbox, ReferralEvent
from referrals.notice_emails import notification_email
from referrals.selectors import DELIVERY_EVENT_KINDS

logger = logging.getLogger(__name__)

Outbox = NotificationOutbox
EventKind = ReferralEvent.Kind

T = TypeVar("T")

# Sent once the transaction that wrote outbox rows commits, with ``notification_ids``.
notifications_written = Signal()
# Sent when a practice's new-referral notice failed for good, with ``referral_id`` and
# ``practice_id``.
practice_notice_failed = Signal()

# Notes in last_error while a send is under way (see _mark_sending).
SENDING = "Sending; no outcome recorded yet."
SENDING_AGAIN = "Sending again after an attempt that ended without a record (same Message-ID)."
GIVEN_UP_IN_DOUBT = "Two attempts ended without a record; not sent again, to avoid a third copy."


# --- Claiming and recording ----------------------------------------------------------


def retry_delay_seconds(attempts: int) -> int:
    """How long to wait after the ``attempts``-th failed send: doubling from the base, capped."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_MAX_SECONDS))


def _due(now: datetime.datetime) -> Q:
    return Q(status=Outbox.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _lease(now: datetime.datetime) -> dict[str, Any]:
    return {
        "next_attempt_at": now + datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS),
        "attempts": F("attempts") + 1,
    }


def _claim_one(notification_id: int) -> bool:
    """Take the lease on one due row; True only for the one caller whose UPDATE changed it."""
    now = timezone.now()
    return Outbox.objects.filter(_due(now), pk=notification_id).update(**_lease(now)) == 1


def _claim_batch(limit: int) -> list[int]:
    """Take the lease on up to ``limit`` due rows that no other worker is claiming right now."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Outbox.objects.filter(_due(now))
            .order_by("created_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Outbox.objects.filter(pk__in=ids).update(**_lease(now))
    return ids


def _with_reconnect(step: Callable[[], T], *, patience_seconds: float = 1.5) -> T:
    """Run a database step, reconnecting and trying again while the connection is down.

    Used after a row is claimed: giving up there would leave it leased (or sent but not
    recorded), so a dropped connection is worth reconnecting for, up to ``patience_seconds``.
    """
    give_up_at = time.monotonic() + patience_seconds
    attempt = 0
    while True:
        try:
            return step()
        except (OperationalError, InterfaceError):
            if time.monotonic() >= give_up_at or connection.in_atomic_block:
                raise
            attempt += 1
            logger.warning("Database connection lost during delivery; reconnecting (try %s).", attempt + 1)
            connection.close()
            time.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))


def _record_sent(row: NotificationOutbox) -> None:
    Outbox.objects.filter(pk=row.pk).update(
        status=Outbox.Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    if row.practice_id is not None:
        practice_record_delivery(practice_id=row.practice_id, delivered=True)


def _after_permanent_failure(row: NotificationOutbox) -> None:
    """A practice that never heard of its new referral: the referral moves on now, not later.

    A FHIR endpoint that failed for good is set to ``error``, so routing skips it until the
    practice fixes it and sets it back to ``active``.
    """
    if row.channel == Outbox.Channel.FHIR and row.practice_id is not None:
        practice_endpoint_mark_error(practice_id=row.practice_id)
    if (
        row.recipient_kind == Outbox.RecipientKind.PRACTICE
        and row.event_kind in DELIVERY_EVENT_KINDS
        and row.practice_id is not None
    ):
        practice_notice_failed.send(sender=Outbox, referral_id=row.referral_id, practice_id=row.practice_id)


def _record_failure(row: NotificationOutbox, error: Exception) -> None:
    """Schedule the next attempt with backoff, or mark the row failed after the last one."""
    last = row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    Outbox.objects.filter(pk=row.pk).update(
        status=Outbox.Status.FAILED if last else Outbox.Status.PENDING,
        next_attempt_at=None
        if last
        else timezone.now() + datetime.timedelta(seconds=retry_delay_seconds(row.attempts)),
        last_error=f"{type(error).__name__}: {error}"[:1000],
    )
    # The error text may name an address: the log gets its type only.
    logger.warning(
        "Notification %s not sent (attempt %s%s): %s",
        row.pk,
        row.attempts,
        ", giving up" if last else "",
        type(error).__name__,
    )
    if last:
        _after_permanent_failure(row)


def _give_up(row: NotificationOutbox, reason: str) -> None:
    Outbox.objects.filter(pk=row.pk).update(
        status=Outbox.Status.FAILED, next_attempt_at=None, last_error=reason
    )
    logger.warning("Notification %s failed: %s", row.pk, reason)
    _after_permanent_failure(row)


def _close_unsent(row: NotificationOutbox, reason: str) -> None:
    Outbox.objects.filter(pk=row.pk).update(
        status=Outbox.Status.FAILED, next_attempt_at=None, last_error=reason
    )


def _load(ids: Iterable[int]) -> list[NotificationOutbox]:
    return list(
        Outbox.objects.select_related("referral").filter(pk__in=list(ids)).order_by("created_at", "id")
    )


def message_id(row: NotificationOutbox) -> str:
    """The row's Message-ID: the same on every attempt, so a receiving server drops a repeat."""
    domain = urlsplit(settings.PORTAL_BASE_URL).hostname or "irportal.invalid"
    return f"<notification-{row.pk}.{row.created_at:%Y%m%d%H%M%S}@{domain}>"


def _mark_sending(row: NotificationOutbox) -> bool:
    """Note that a send is starting; False when this row must not be sent (the bounded decision).

    Every attempt that ends records "sent" or an error over this note, so finding the note at
    the start of an attempt means the last one was cut off after it may have sent (a killed
    worker, a database lost right after the send). The first time, the row is sent again with
    the same Message-ID (a server that got the first drops this one), and that is logged; the
    second time it is marked failed rather than risk a third copy.
    """
    if row.last_error == SENDING_AGAIN:
        _with_reconnect(lambda: _give_up(row, GIVEN_UP_IN_DOUBT))
        return False
    note = SENDING
    if row.last_error == SENDING:
        note = SENDING_AGAIN
        logger.warning(
            "Notification %s: an earlier attempt ended without a record and may have been sent; "
            "sending once more with the same Message-ID.",
            row.pk,
        )
    _with_reconnect(lambda: Outbox.objects.filter(pk=row.pk).update(last_error=note))
    return True


def _send_email(row: NotificationOutbox, mail_connection: Any) -> None:
    email = _with_reconnect(lambda: notification_email(row))
    EmailMessage(
        subject=email.subject,
        body=email.body,
        to=[row.recipient_address],
        connection=mail_connection,
        headers={"Message-ID": message_id(row)},
    ).send()


def _send_claimed(row: NotificationOutbox, mail_connection: Any = None) -> bool:
    """Send a row this worker holds the lease on; True when the receiver took it."""
    if not row.recipient_address:
        _with_reconnect(lambda: _give_up(row, "No e-mail address on file for this recipient."))
        return False
    if not _mark_sending(row):
        return False
    try:
        if row.channel == Outbox.Channel.EMAIL:
            _send_email(row, mail_connection)
        else:
            channels.sender_for(row.channel)(row)
    except channels.PermanentFailure as error:
        refusal = f"Refused for good: {error}"[:1000]
        _with_reconnect(lambda: _give_up(row, refusal))
        return False
    except channels.Withdrawn as error:
        note = f"Not sent: {error}"[:1000]
        _with_reconnect(lambda: _close_unsent(row, note))
        return False
    except Exception as error:  # any other failure of the receiver is retried later, with backoff
        failure = error
        _with_reconnect(lambda: _record_failure(row, failure))
        return False
    _record_sent_patiently(row)
    return True


def _record_sent_patiently(row: NotificationOutbox) -> None:
    """Record a send, waiting out a database restart (``NOTIFICATION_RECORD_PATIENCE_SECONDS``)."""
    try:
        _with_reconnect(
            lambda: _record_sent(row), patience_seconds=settings.NOTIFICATION_RECORD_PATIENCE_SECONDS
        )
    except (OperationalError, InterfaceError):
        logger.error(
            "Notification %s was handed to the mail server but the database stayed unreachable; "
            "it will be sent at most once more, with the same Message-ID.",
            row.pk,
        )
        raise


# --- Services ------------------------------------------------------------------------


def notification_deliver(*, notification_id: int) -> bool:
    """Send one outbox row if it is due and nobody holds it; True when this call sent it.

    Safe to call twice or from two workers at once: only the caller that claims the row
    sends it; the others return False.
    """
    if not _claim_one(notification_id):
        return False
    rows = _with_reconnect(lambda: _load([notification_id]))
    return bool(rows) and _send_claimed(rows[0])


def notifications_deliver_due(*, time_budget_seconds: float = 40.0) -> int:
    """Send every due pending row, a claimed batch at a time; returns how many were sent.

    Stops starting new batches once the time budget is spent (the rest waits for the next
    sweep). Workers running this at once split the rows between them (``SKIP LOCKED``).
    """
    stop_at = time.monotonic() + time_budget_seconds
    sent = 0
    with get_connection() as mail_connection:
        while time.monotonic() < stop_at:
            ids = _claim_batch(settings.NOTIFICATION_SWEEP_BATCH)
            if not ids:
                break
            for row in _with_reconnect(lambda ids=ids: _load(ids)):  # type: ignore[misc]
                sent += _send_claimed(row, mail_connection)
    return sent


def deliver_after_commit(notification_ids: list[int]) -> None:
    """Queue delivery of these rows once the current transaction commits.

    Rows nobody queues (the broker is down) stay pending for the periodic sweep.
    """
    if notification_ids:
        transaction.on_commit(
            lambda: notifications_written.send(sender=Outbox, notification_ids=notification_ids)
        )
