"""``/health/``: is the portal able to do its work, and is any notification or referral stuck?

Each check adds its figures to the report and says whether they are healthy; the view
answers 503 when any check is not. A new check is one more function in ``CHECKS``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.models import Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.celery import app


def database_status() -> str:
    """ "ok" when the database answers a query, else "down"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return "down"
    return "ok"


def cache_status() -> str:
    """ "ok" when the shared cache keeps a value, else "down" (rate limits then let everyone through)."""
    probe = uuid.uuid4().hex
    caches["default"].set("health-probe", probe, 10)
    return "ok" if caches["default"].get("health-probe") == probe else "down"


def broker_status() -> str:
    """ "eager" in embedded mode (tasks run in-process), "ok" when the broker answers, else "down"."""
    if app.conf.task_always_eager:
        return "eager"
    try:
        with app.connection_for_read() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception:  # any failure to reach the broker means it is down for us
        return "down"
    return "ok"


def oldest_pending_notification_seconds() -> float | None:
    """Age in seconds of the oldest notification still waiting to be delivered (None if none)."""
    from referrals.models import NotificationOutbox

    oldest = NotificationOutbox.objects.filter(status=NotificationOutbox.Status.PENDING).aggregate(
        oldest=Min("created_at")
    )["oldest"]
    return None if oldest is None else round((timezone.now() - oldest).total_seconds(), 1)


def check_notifications(report: dict[str, Any]) -> bool:
    age = oldest_pending_notification_seconds()
    report["oldest_pending_notification_seconds"] = age
    return age is None or age <= settings.NOTIFICATION_HEALTH_MAX_AGE_SECONDS


def check_failed_deliveries(report: dict[str, Any]) -> bool:
    """Failed notifications of the last 24 h, in all and per kind; referrals waiting on a failed delivery.

    Unhealthy once a referral has waited on a failed delivery longer than the grace
    period: the sweep that moves such referrals on is not running.
    """
    from referrals.selectors import failed_notifications_by_kind, referrals_with_failed_delivery

    now = timezone.now()
    by_kind = failed_notifications_by_kind(now - datetime.timedelta(hours=24))
    report["failed_notifications_24h"] = sum(kind["failed"] for kind in by_kind)
    report["failed_notifications_24h_by_kind"] = by_kind
    report["referrals_waiting_on_failed_delivery"] = referrals_with_failed_delivery(now).count()
    stuck = referrals_with_failed_delivery(now, past_grace=True).count()
    report["referrals_stuck_past_delivery_grace"] = stuck
    return stuck == 0


CHECKS: list[Callable[[dict[str, Any]], bool]] = [check_notifications, check_failed_deliveries]


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and broker are up and nothing waits too long; else 503.

    A cache that is down is reported but keeps the status 200: pages still answer without it.
    """
    report: dict[str, Any] = {
        "database": database_status(),
        "broker": broker_status(),
        "cache": cache_status(),
    }
    healthy = report["database"] == "ok" and report["broker"] in ("ok", "eager")
    if report["database"] == "ok":
        healthy = all([check(report) for check in CHECKS]) and healthy
    report["status"] = "ok" if healthy else "unhealthy"
    return JsonResponse(report, status=200 if healthy else 503)
