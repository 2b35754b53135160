"""Celery tasks: thin wrappers over the background services, each safe to run twice.

The outer layer of the app: it imports the services and the notification outbox, never the
other way round. New outbox rows are announced after their commit
(``notifications.notifications_written``) and queued from here.

Every task retries a dropped database connection with exponential backoff (capped at a
minute, six tries); the periodic ones are polled by beat (``CELERY_BEAT_SCHEDULE``) and find
their due work in the database.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import task_prerun
from django.db import InterfaceError, OperationalError, close_old_connections
from django.dispatch import receiver

from referrals import delivery, escalation, geocoding, notifications, patient_outcomes, reminders

logger = logging.getLogger(__name__)

RETRYING: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 6,
}


@task_prerun.connect
def _drop_unusable_database_connections(task: Any = None, **kwargs: Any) -> None:
    # Workers reuse their connection across tasks (CELERY_DB_REUSE_MAX, CONN_MAX_AGE); one that
    # broke (a database restart) or grew too old is replaced here, so a retry gets a fresh one.
    # An eager task (embedded mode) runs on its caller's connection, which is not ours to close.
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


@shared_task(**RETRYING)
def deliver_notification(notification_id: int) -> bool:
    """Send one outbox row (queued after the commit that wrote it)."""
    return notifications.notification_deliver(notification_id=notification_id)


@receiver(notifications.notifications_written)
def queue_notification_deliveries(sender: Any, notification_ids: list[int], **kwargs: Any) -> None:
    """Queue one delivery per new outbox row, after the commit that wrote them.

    A broker outage never fails the caller (a web request, typically): the publish error is
    logged without any patient data and the rows stay pending for the periodic sweep.
    """
    for position, notification_id in enumerate(notification_ids):
        try:
            deliver_notification.delay(notification_id)
        except Exception as error:  # the broker (or an eager run) failed: the sweep takes over
            logger.warning(
                "Could not queue %s notification(s) starting with %s (%s); the sweep will deliver them.",
                len(notification_ids) - position,
                notification_id,
                type(error).__name__,
            )
            return


@shared_task(**RETRYING)
def deliver_pending_notifications() -> int:
    """The sweep: send every row still pending (e.g. written while the broker was down)."""
    return notifications.notifications_deliver_due()


@shared_task(**RETRYING)
def time_out_overdue_referrals() -> int:
    return escalation.referrals_time_out_overdue()


@shared_task(**RETRYING)
def move_on_undelivered_referrals() -> int:
    return delivery.referrals_move_on_undelivered()


@shared_task(**RETRYING)
def queue_appointment_reminders() -> int:
    return reminders.appointment_reminders_queue()


@shared_task(**RETRYING)
def send_overdue_follow_up_digests() -> int:
    return reminders.practice_digests_send()


@shared_task(**RETRYING)
def send_outcome_links() -> int:
    return patient_outcomes.outcome_invites_queue()


@shared_task(**RETRYING)
def geocode_practice_locations() -> int:
    return geocoding.practice_locations_geocode()
