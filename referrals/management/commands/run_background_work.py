"""Run one sweep of every periodic background job in this process (embedded mode, cron)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from referrals import delivery, escalation, geocoding, notifications, patient_outcomes, reminders


class Command(BaseCommand):
    help = (
        "Run every periodic job once: referral deadlines, undelivered referrals, appointment reminders, "
        "overdue follow-up digests, patients' outcome links, geocoding and the notification sweep. "
        "With --every N, repeat every N seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
        parser.add_argument(
            "--quiet", action="store_true", help="Say nothing after a sweep that did nothing."
        )

    def handle(self, *args: Any, every: float, quiet: bool, **options: Any) -> None:
        while True:
            if not every:
                self._report(self._sweep(), quiet=quiet)
                return
            try:
                self._report(self._sweep(), quiet=quiet)
            except Exception as error:  # a loop keeps going: the next sweep finds the same due work
                self.stderr.write(f"Background sweep failed ({type(error).__name__}); trying again.")
            time.sleep(every)

    def _report(self, sweep: tuple[int, str], *, quiet: bool) -> None:
        done, summary = sweep
        if done or not quiet:
            self.stdout.write(summary)

    def _sweep(self) -> tuple[int, str]:
        """How many things the sweep did, and a line saying what."""
        # Deadlines and reminders first: the notifications they write go out in the same sweep.
        moved = escalation.referrals_time_out_overdue()
        undelivered = delivery.referrals_move_on_undelivered()
        reminded = reminders.appointment_reminders_queue()
        digests = reminders.practice_digests_send()
        outcome_links = patient_outcomes.outcome_invites_queue()
        geocoded = geocoding.practice_locations_geocode()
        sent = notifications.notifications_deliver_due()
        # Notices that failed for good in this sweep moved their referral on as they failed.
        done = moved + undelivered + reminded + digests + outcome_links + geocoded + sent
        return done, (
            f"{moved} referral(s) moved on after their deadline, {undelivered} after a failed delivery, "
            f"{reminded} reminder(s) queued, {digests} digest(s) sent, "
            f"{outcome_links} outcome link(s) sent, "
            f"{geocoded} location(s) geocoded, {sent} notification(s) delivered."
        )
