"""The admin's "Referral metrics" page: an office sees its own practice, coordinators every practice.

Scoping follows ``referrals.metrics.scopes``: office staff may open the practices they work
for (another practice's id is a 404, exactly like one that does not exist); coordinators and
superusers also see the whole portal, with every practice side by side.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from referrals.admin.readonly import ReadOnlyAdminMixin
from referrals.admin.scoping import practice_ids_for
from referrals.loop_models import LoopMetrics
from referrals.metrics.pages import csv_export, metrics_context, requested_period
from referrals.metrics.report import loop_report
from referrals.metrics.scopes import NotYours, practice_scope_for, practices_visible_to, sees_all_practices

TEMPLATE = "admin/referrals/loop_metrics.html"


@admin.register(LoopMetrics)
class LoopMetricsAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """No rows: one page of figures for the practices the user may see."""

    def may_see_metrics(self, request: HttpRequest) -> bool:
        # Asked for every admin page's menu: read the practices the request already holds.
        user: Any = request.user
        ids = practice_ids_for(request)
        return bool(user.is_active and user.is_staff and (ids is None or ids or sees_all_practices(user)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_see_metrics(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_see_metrics(request)

    def get_urls(self) -> list[URLPattern]:
        info = (self.opts.app_label, self.opts.model_name)
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name="{}_{}_changelist".format(*info))]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.may_see_metrics(request):
            raise Http404("No metrics.")
        try:
            scope = practice_scope_for(request.user, request.GET.get("practice"))
        except NotYours as error:
            raise Http404("No such practice.") from error
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Referral metrics",
            "query": request.GET,
            "sees_all": sees_all_practices(request.user),
            "practice_choices": practices_visible_to(request.user),
        }
        period, errors = requested_period(request)
        if period is None:
            return TemplateResponse(request, TEMPLATE, {**context, "errors": errors}, status=400)
        report = loop_report(scope, period, side_by_side=scope.practice_id is None)
        if request.GET.get("export") == "csv":
            name = f"referral-metrics-{scope.practice_id or 'all'}-{period.since}-{period.until}.csv"
            return csv_export(report, filename=name)
        return TemplateResponse(request, TEMPLATE, {**context, **metrics_context(report)})
