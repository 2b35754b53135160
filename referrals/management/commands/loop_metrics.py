"""``manage.py loop_metrics [--practice ID] [--since DATE] [--until DATE]``: the loop metrics as text.

Prints the same rows as the metrics pages and their CSV export (``referrals.metrics.report``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from directory.models import Practice
from referrals.metrics.queries import Scope
from referrals.metrics.report import loop_report, report_rows
from referrals.metrics.scopes import PeriodError, period_from


class Command(BaseCommand):
    help = "Print the referral loop metrics for one practice or the whole portal over a date range."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", type=int, help="A practice id (default: every practice).")
        parser.add_argument("--since", help="First day of submission, YYYY-MM-DD (default: a year ago).")
        parser.add_argument("--until", help="Last day of submission, YYYY-MM-DD (default: today).")

    def handle(
        self, *args: Any, practice: int | None, since: str | None, until: str | None, **options: Any
    ) -> None:
        try:
            period = period_from(since, until)
        except PeriodError as error:
            raise CommandError(f"--{error.field}: {error}") from error
        scope = Scope("All practices")
        if practice is not None:
            found = Practice.objects.filter(pk=practice).first()
            if found is None:
                raise CommandError(f"--practice: no practice has id {practice}.")
            scope = Scope(found.name, practice_id=found.pk)
        report = loop_report(scope, period)
        self.stdout.write(
            f"Referral metrics: {scope.label}, referrals submitted {_days(period.since, period.until)}"
        )
        section = ""
        for row_section, measure, value in report_rows(report):
            if row_section != section:
                section = row_section
                self.stdout.write(f"\n{section}")
            self.stdout.write(f"  {measure}: {value}")


def _days(since: datetime.date, until: datetime.date) -> str:
    return f"{since:%Y-%m-%d} to {until:%Y-%m-%d}"
