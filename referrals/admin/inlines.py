"""The rows shown under a referral on its admin page: timeline, visits, follow-ups."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from directory.time_zones import format_day
from referrals.access import ANOTHER_PRACTICE
from referrals.admin.display import follow_up_state
from referrals.admin.forms import AppointmentInlineForm
from referrals.admin.readonly import ReadOnlyAdminMixin
from referrals.admin.scoping import OfficeScopedInline, practice_ids_for
from referrals.local_time import at_practice
from referrals.models import Appointment, FollowUp, ReferralEvent


class ReferralEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The referral's timeline, read-only: every status change and routing move."""

    model = ReferralEvent
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    extra = 0
    can_delete = False
    fields = ("when", "kind", "change", "actor", "practice", "reason", "comment")
    readonly_fields = (*fields, "where", "actor_here", "reason_here", "comment_here")
    ordering = ["created_at", "id"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if practice_ids_for(request) is None:
            return self.fields
        # An office sees that the referral was elsewhere before, not which competitor had it,
        # who acted there, why it declined or what it wrote.
        return [OFFICE_VIEW_FIELDS.get(name, name) for name in self.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReferralEvent]:
        return (
            super()
            .get_queryset(request)
            .select_related("actor", "practice", "referral", "referral__practice_location")
        )

    @admin.display(description="when")
    def when(self, event: ReferralEvent) -> str:
        return at_practice(event.created_at, event.referral)

    @admin.display(description="status")
    def change(self, event: ReferralEvent) -> str:
        if event.from_status == event.to_status:
            return event.get_to_status_display()
        return f"{event.get_from_status_display() or '-'} → {event.get_to_status_display()}"

    @admin.display(description="practice")
    def where(self, event: ReferralEvent) -> str:
        if event.practice is None:
            return ""
        return ANOTHER_PRACTICE if _elsewhere(event) else event.practice.name

    @admin.display(description="actor")
    def actor_here(self, event: ReferralEvent) -> str:
        return "" if event.actor is None or _elsewhere(event) else str(event.actor)

    @admin.display(description="reason")
    def reason_here(self, event: ReferralEvent) -> str:
        return "" if _elsewhere(event) else event.get_reason_display()

    @admin.display(description="comment")
    def comment_here(self, event: ReferralEvent) -> str:
        return "" if _elsewhere(event) else event.comment


# The timeline columns an office sees in place of those that could name another practice.
OFFICE_VIEW_FIELDS = {
    "practice": "where",
    "actor": "actor_here",
    "reason": "reason_here",
    "comment": "comment_here",
}


def _elsewhere(event: ReferralEvent) -> bool:
    """True when ``event`` happened at a practice other than the one holding the referral now."""
    return event.practice_id is not None and event.practice_id != event.referral.practice_id


class AppointmentInline(OfficeScopedInline):
    """Visits: add a row to book one; change a booked row's status to record the visit."""

    model = Appointment
    form = AppointmentInlineForm
    extra = 0
    can_delete = False
    fields = ["kind", "starts_at", "provider", "location", "status", "pain_score"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related("provider", "location")


class FollowUpInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Follow-ups due after a procedure; covered by booking a follow-up visit above."""

    model = FollowUp
    fk_name = "referral"
    extra = 0
    can_delete = False
    fields = ("due", "kind", "overdue", "appointment")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUp]:
        return super().get_queryset(request).select_related("appointment", "appointment__location")

    @admin.display(description="due on")
    def due(self, follow_up: FollowUp) -> str:
        return format_day(follow_up.due_on)

    @admin.display(description="state")
    def overdue(self, follow_up: FollowUp) -> str:
        return follow_up_state(overdue=follow_up.is_overdue, booked=follow_up.is_covered)
