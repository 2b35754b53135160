"""Admins that show rows and never change them, and those only superusers may open."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from referrals.models import AuditLogEntry, NotificationOutbox


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes these rows here: the services write them.

    Fits model admins and inlines alike (an inline's permission checks also get the parent row).
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SuperuserOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(SuperuserOnlyAdmin):
    """Who read or changed which patient data: readable by superusers, changeable by nobody."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "ip_address", "detail"]
    list_select_related = ["actor"]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "actor__username"]
    show_full_result_count = False
    date_hierarchy = "at"


@admin.register(NotificationOutbox)
class NotificationOutboxAdmin(SuperuserOnlyAdmin):
    list_display = ["created_at", "event_kind", "recipient_kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "event_kind", "recipient_kind"]
    show_full_result_count = False
