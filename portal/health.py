"""``/health/``: is the portal able to do its work, and is any notification stuck?"""

from __future__ import annotations

import uuid
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


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and broker are up and no notification waits too long; else 503.

    A cache that is down is reported but keeps the status 200: pages still answer without it.
    """
    report: dict[str, Any] = {
        "database": database_status(),
        "broker": broker_status(),
        "cache": cache_status(),
    }
    age = oldest_pending_notification_seconds() if report["database"] == "ok" else None
    report["oldest_pending_notification_seconds"] = age
    healthy = (
        report["database"] == "ok"
        and report["broker"] in ("ok", "eager")
        and (age is None or age <= settings.NOTIFICATION_HEALTH_MAX_AGE_SECONDS)
    )
    report["status"] = "ok" if healthy else "unhealthy"
    return JsonResponse(report, status=200 if healthy else 503)
