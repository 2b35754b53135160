"""Practices in the admin: offices keep their own contacts current; coordinators enrol them.

Enrolling and un-enrolling are admin actions open to superusers and the referral
coordinators (``directory.enrol_practice``); an office sees and edits its own practice
only, and can never enrol itself (the enrolment date is not a form field).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

import directory.admin as directory_admin
from directory.enrolment import NEEDS_ATTENTION_AFTER
from directory.models import Practice
from directory.services import EnrolmentError, practice_enrol
from referrals.admin.scoping import OfficeScopedMixin
from referrals.enrolment import practice_withdraw

ENROL_PERMISSION = "directory.enrol_practice"


class OfficePracticeAdmin(OfficeScopedMixin, directory_admin.PracticeAdmin):
    practice_path = "pk"
    list_display = ["name", "phone", "accepting_referrals", "enrolled", "needs_attention", "updated_at"]
    list_filter = ["accepting_referrals", ("enrolled_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["enrolled_at", "delivery_failures_in_a_row"]
    actions = ["enrol_practices", "unenrol_practices"]

    def coordinates(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ENROL_PERMISSION)

    def works_for_an_office(self, request: HttpRequest) -> bool:
        return super().works_for_an_office(request) or self.coordinates(request)

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset if self.coordinates(request) else super().scope_queryset(request, queryset)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not self.coordinates(request):
            actions.pop("enrol_practices", None)
            actions.pop("unenrol_practices", None)
        return actions

    @admin.display(boolean=True, description="enrolled")
    def enrolled(self, practice: Practice) -> bool:
        return practice.enrolled_at is not None

    @admin.display(boolean=True, description="needs attention")
    def needs_attention(self, practice: Practice) -> bool:
        return practice.delivery_failures_in_a_row >= NEEDS_ATTENTION_AFTER

    @admin.action(description="Enrol the selected practices (they receive referrals)")
    def enrol_practices(self, request: HttpRequest, queryset: QuerySet[Practice]) -> None:
        for practice in queryset:
            try:
                practice_enrol(practice=practice)
            except EnrolmentError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"{practice.name} is enrolled and receives referrals.")

    @admin.action(description="Un-enrol the selected practices (their pending referrals move on)")
    def unenrol_practices(self, request: HttpRequest, queryset: QuerySet[Practice]) -> None:
        for practice in queryset:
            moved = practice_withdraw(practice=practice, actor=request.user)
            self.message_user(
                request,
                f"{practice.name} no longer receives referrals; {moved} pending referral(s) moved on.",
            )
