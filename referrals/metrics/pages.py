"""What the metrics pages and their CSV export show: shared by the clinician's page and the admin's.

Views stay thin: they pick the scope (``referrals.metrics.scopes``), then call these.
"""

from __future__ import annotations

import csv
from itertools import groupby
from typing import Any

from django.http import HttpRequest, HttpResponse

from referrals.metrics.charts import report_charts
from referrals.metrics.figures import Rate
from referrals.metrics.queries import Period
from referrals.metrics.report import LoopReport, report_rows
from referrals.metrics.scopes import PeriodError, period_from


def requested_period(request: HttpRequest) -> tuple[Period | None, dict[str, str]]:
    """The period in the query string, or None and an error message under the parameter's name."""
    try:
        return period_from(request.GET.get("since"), request.GET.get("until")), {}
    except PeriodError as error:
        return None, {error.field: str(error)}


def practice_rows(report: LoopReport) -> list[dict[str, Any]]:
    """Each practice's own figures, side by side, as rates with their counts."""
    rows = []
    for entry in report.practices:
        offered, accepted = entry.get("offered", 0), entry.get("accepted", 0)
        rows.append(
            {
                "name": entry["name"],
                "offered": offered,
                "accepted": Rate(accepted, offered),
                "moved_on": Rate(entry.get("moved_on", 0), offered),
                "completed": Rate(entry.get("completed", 0), accepted),
                "no_shows": Rate(entry.get("no_shows", 0), entry.get("held", 0)),
            }
        )
    return rows


def metrics_context(report: LoopReport) -> dict[str, Any]:
    """Template context: the figures grouped by section, the charts, practices side by side."""
    sections = [
        (section, [(measure, value) for _, measure, value in rows])
        for section, rows in groupby(report_rows(report), key=lambda row: row[0])
    ]
    return {
        "report": report,
        "sections": sections,
        "charts": report_charts(report),
        "practice_rows": practice_rows(report),
    }


def csv_export(report: LoopReport, *, filename: str) -> HttpResponse:
    """The figures as CSV: the same rows the page and ``manage.py loop_metrics`` show."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(["scope", "since", "until", "section", "measure", "value"])
    period = report.period
    for section, measure, value in report_rows(report):
        writer.writerow([report.scope.label, period.since, period.until, section, measure, value])
    for row in practice_rows(report):
        for measure in ("offered", "accepted", "moved_on", "completed", "no_shows"):
            writer.writerow(
                [
                    report.scope.label,
                    period.since,
                    period.until,
                    f"Practice: {row['name']}",
                    measure.replace("_", " "),
                    str(row[measure]),
                ]
            )
    return response
