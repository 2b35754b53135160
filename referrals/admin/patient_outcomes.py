"""What patients reported through their one-time links, shown read-only on the office's referral page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from referrals.admin.readonly import ReadOnlyAdminMixin
from referrals.local_time import at_practice
from referrals.models import PatientReportedOutcome


class PatientReportedOutcomeInline(ReadOnlyAdminMixin, admin.TabularInline):
    """What the patient reported through their one-time link: read-only."""

    model = PatientReportedOutcome
    verbose_name = "outcome reported by the patient"
    verbose_name_plural = "outcomes reported by the patient"
    extra = 0
    can_delete = False
    fields = ("reported", "pain_score", "global_impression")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PatientReportedOutcome]:
        return super().get_queryset(request).select_related("referral__practice_location")

    @admin.display(description="reported")
    def reported(self, outcome: PatientReportedOutcome) -> str:
        return at_practice(outcome.reported_at, outcome.referral)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may see the referral may see what its patient reported.
        return request.user.has_perm("referrals.view_referral")
