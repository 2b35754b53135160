"""A read-only window on stored assessments, for superusers auditing the rules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from triage.models import Assessment


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "disposition",
        "source",
        "age_band",
        "pain_duration_weeks",
        "ruleset_version",
    )
    list_filter = ("disposition", "source", "ruleset_version", "age_band")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = (
        "public_id",
        "created_at",
        "source",
        "disposition",
        "reasons",
        "advice",
        "answers",
        "age_band",
        "pain_duration_weeks",
        "ruleset_version",
    )

    # Assessments are a record of what the rules said at the time: nobody edits or deletes them here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser
