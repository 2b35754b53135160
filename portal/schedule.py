"""When Celery beat asks for each periodic job (``settings.CELERY_BEAT_SCHEDULE``).

Due times live in the database; beat only polls, and every job is safe to run twice.
"""

from __future__ import annotations

from typing import Any


def beat_schedule(*, sweep_seconds: float) -> dict[str, dict[str, Any]]:
    """The periodic jobs by name: the sweeps every ``sweep_seconds``, the slower jobs less often."""
    return {
        "deliver-pending-notifications": {
            "task": "referrals.tasks.deliver_pending_notifications",
            "schedule": sweep_seconds,
        },
        "time-out-overdue-referrals": {
            "task": "referrals.tasks.time_out_overdue_referrals",
            "schedule": sweep_seconds,
        },
        "move-on-undelivered-referrals": {
            "task": "referrals.tasks.move_on_undelivered_referrals",
            "schedule": sweep_seconds,
        },
        "queue-appointment-reminders": {
            "task": "referrals.tasks.queue_appointment_reminders",
            "schedule": max(sweep_seconds, 60.0),
        },
        # Hourly; each practice still gets one digest a day (the first run after DIGEST_HOUR).
        "send-overdue-follow-up-digests": {
            "task": "referrals.tasks.send_overdue_follow_up_digests",
            "schedule": 3600.0,
        },
        # Hourly: a follow-up falls due on a day, and its patient gets one link that day.
        "send-outcome-links": {
            "task": "referrals.tasks.send_outcome_links",
            "schedule": 3600.0,
        },
        "geocode-practice-locations": {
            "task": "referrals.tasks.geocode_practice_locations",
            "schedule": 600.0,
        },
    }
