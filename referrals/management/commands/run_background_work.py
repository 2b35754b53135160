"""Run one sweep of every periodic background job in this process (embedded mode, cron)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from referrals import escalation, geocoding, notifications, patient_outcomes, reminders


class Command(BaseCommand):
    help = (
        "Run every periodic job once: referral deadlines, appointment reminders, overdue follow-up "
        "digests, patients' outcome links, geocoding and the notification sweep. "
        "With --every N, repeat every N seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds (0: once).")

    def handle(self, *args: Any, every: float, **options: Any) -> None:
        while True:
            self.stdout.write(self._sweep())
            if not every:
                return
            time.sleep(every)

    def _sweep(self) -> str:
        # Deadlines and reminders first: the notifications they write go out in the same sweep.
        moved = escalation.referrals_time_out_overdue()
        reminded = reminders.appointment_reminders_queue()
        digests = reminders.practice_digests_send()
        outcome_links = patient_outcomes.outcome_invites_queue()
        geocoded = geocoding.practice_locations_geocode()
        sent = notifications.notifications_deliver_due()
        return (
            f"{moved} referral(s) moved on, {reminded} reminder(s) queued, {digests} digest(s) sent, "
            f"{outcome_links} outcome link(s) sent, "
            f"{geocoded} location(s) geocoded, {sent} notification(s) delivered."
        )
