"""Follow-ups due, across the office's referrals: the list worked down every morning."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from referrals import selectors
from referrals.admin.display import follow_up_state, short_id
from referrals.admin.readonly import ReadOnlyAdminMixin
from referrals.admin.scoping import OfficeScopedAdmin
from referrals.models import FollowUp


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(overdue=self.value() == "yes")
        return queryset


@admin.register(FollowUp)
class FollowUpDueAdmin(ReadOnlyAdminMixin, OfficeScopedAdmin):
    """Follow-ups due, overdue ones first: the list an office works down every morning."""

    practice_path = "referral__practice"
    list_display = ["due_on", "is_overdue", "kind", "patient", "referral_link", "appointment"]
    list_display_links = None
    list_filter = [OverdueFilter, "kind"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUp]:
        return selectors.follow_ups_due_for_staff(request.user)

    def get_ordering(self, request: HttpRequest) -> list[str]:
        return ["-overdue", "due_on", "id"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return super().changelist_view(request, {**(extra_context or {}), "title": "Follow-ups due"})

    @admin.display(description="overdue", ordering="overdue")
    def is_overdue(self, follow_up: Any) -> str:
        return follow_up_state(
            overdue=bool(follow_up.overdue), booked=bool(getattr(follow_up, "covered", False))
        )

    @admin.display(description="patient")
    def patient(self, follow_up: FollowUp) -> str:
        return follow_up.referral.patient.full_name

    @admin.display(description="referral")
    def referral_link(self, follow_up: FollowUp) -> str:
        url = reverse("admin:referrals_referral_change", args=[follow_up.referral_id])
        return format_html('<a href="{}">{}</a>', url, short_id(follow_up.referral))
