"""The referring clinician's loop metrics page: how the referrals they made are doing.

A thin adapter over ``referrals.metrics``; the figures cover the signed-in clinician's own
referrals only, whatever the query string says.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from referrals.metrics.pages import csv_export, metrics_context, requested_period
from referrals.metrics.report import loop_report
from referrals.metrics.scopes import clinician_scope


@never_cache
@login_required
@require_http_methods(["GET"])
def my_metrics(request: HttpRequest) -> HttpResponse:
    period, errors = requested_period(request)
    if period is None:
        return render(request, "referrals/metrics.html", {"errors": errors, "query": request.GET}, status=400)
    report = loop_report(clinician_scope(request.user), period)
    if request.GET.get("export") == "csv":
        return csv_export(report, filename=f"my-referral-metrics-{period.since}-{period.until}.csv")
    return render(request, "referrals/metrics.html", {**metrics_context(report), "query": request.GET})
