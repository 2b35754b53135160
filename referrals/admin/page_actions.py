"""Buttons on a referral's own admin page for what the office may do to it now.

The buttons shown are the actions ``referrals.access.allowed_actions`` grants this user on
this referral in its status; each opens a small form and calls the same service as the
list's bulk actions, which stay. The change and its audit entry commit together. Times are
read and shown in the practice's zone (docs/workflow.md, "Visits and time zones").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from referrals import services
from referrals.access import allowed_actions
from referrals.admin.display import error_text, short_id
from referrals.admin.page_forms import (
    AcceptForm,
    BookForm,
    CancelForm,
    RecordVisitForm,
    ReferralCompleteForm,
    ReferralDeclineForm,
)
from referrals.admin.scoping import practice_ids_for
from referrals.audit import audit_record
from referrals.local_time import referral_zone
from referrals.models import AuditLogEntry, Referral

logger = logging.getLogger(__name__)
TEMPLATE = "admin/referrals/referral/page_action.html"


@dataclass(frozen=True)
class PageAction:
    """One button: its words, the form it opens and the service call it makes."""

    button: str
    form: Callable[..., forms.Form]
    run: Callable[[Referral, Any, forms.Form], object]
    done: str


def _visit_arguments(form: forms.Form) -> dict[str, Any]:
    data = form.cleaned_data
    return {"appointment": data["visit"], "status": data["status"], "pain_score": data["pain_score"]}


PAGE_ACTIONS: dict[str, PageAction] = {
    "accept": PageAction(
        "Accept", AcceptForm, lambda r, user, f: services.referral_accept(referral=r, user=user), "accepted"
    ),
    "decline": PageAction(
        "Decline",
        ReferralDeclineForm,
        lambda r, user, f: services.referral_decline(referral=r, user=user, **f.cleaned_data),
        "declined and sent on",
    ),
    "schedule": PageAction(
        "Book a visit",
        BookForm,
        lambda r, user, f: services.appointment_schedule(referral=r, user=user, **f.service_arguments()),  # type: ignore[attr-defined]
        "visit saved",
    ),
    "record_visit": PageAction(
        "Record a visit",
        RecordVisitForm,
        lambda r, user, f: services.appointment_record_visit(user=user, **_visit_arguments(f)),
        "visit recorded",
    ),
    "complete": PageAction(
        "Complete with the outcome",
        ReferralCompleteForm,
        lambda r, user, f: services.referral_complete(referral=r, user=user, **f.cleaned_data),
        "completed; the outcome went to the referring clinician",
    ),
    "cancel": PageAction(
        "Cancel",
        CancelForm,
        lambda r, user, f: services.referral_cancel(referral=r, user=user, **f.cleaned_data),
        "cancelled",
    ),
}


class ReferralPageActionsMixin(admin.ModelAdmin):
    """The referral page's buttons and the small pages they open."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.page_action_view)
        own = [path("<int:object_id>/act/<str:action>/", view, name="referrals_referral_act")]
        return [*own, *super().get_urls()]

    def page_actions(self, request: HttpRequest, referral: Referral) -> list[dict[str, str]]:
        """The buttons for what ``request.user`` may do to ``referral`` now."""
        allowed = allowed_actions(referral, request.user, practice_ids_for(request))
        return [
            {
                "name": name,
                "button": PAGE_ACTIONS[name].button,
                "url": reverse("admin:referrals_referral_act", args=[referral.pk, name]),
            }
            for name in allowed
            if name in PAGE_ACTIONS
        ]

    def page_action_view(self, request: HttpRequest, object_id: int, action: str) -> HttpResponse:
        referral = self.get_object(request, str(object_id))
        page_action = PAGE_ACTIONS.get(action)
        if referral is None or page_action is None:
            raise Http404("No such action.")
        with timezone.override(referral_zone(referral)):
            form = page_action.form(request.POST if request.method == "POST" else None, referral=referral)
            if form.is_bound and form.is_valid() and self._run(request, referral, action, form):
                # A declined referral has moved to another practice: back to the list then.
                if self.get_queryset(request).filter(pk=referral.pk).exists():
                    return redirect("admin:referrals_referral_change", referral.pk)
                return redirect("admin:referrals_referral_changelist")
            response = TemplateResponse(request, TEMPLATE, self._context(request, referral, action, form))
            return response.render()

    def _run(self, request: HttpRequest, referral: Referral, action: str, form: forms.Form) -> bool:
        """Call the service; True when it took the change, else the refusal goes on the form."""
        page_action = PAGE_ACTIONS[action]
        try:
            with transaction.atomic():
                page_action.run(referral, request.user, form)
                audit_record(
                    actor=request.user,
                    action=AuditLogEntry.Action.UPDATE,
                    obj=referral,
                    request=request,
                    detail=f"referral page: {action}",
                )
        except services.InvalidInput as error:
            for field, problems in error.errors.items():
                form.add_error(field if field in form.fields else None, problems)
            return False
        except services.ReferralError as error:
            form.add_error(None, error_text(error))
            return False
        except DatabaseError:
            logger.exception(
                "Audit entry for referral %s not written; its change was rolled back.", referral.pk
            )
            form.add_error(None, "Not changed: the change could not be recorded in the audit log. Try again.")
            return False
        self.message_user(request, f"Referral {short_id(referral)}: {page_action.done}.", messages.SUCCESS)
        return True

    def _context(
        self, request: HttpRequest, referral: Referral, action: str, form: forms.Form
    ) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": f"{PAGE_ACTIONS[action].button}: referral {short_id(referral)}",
            "opts": self.model._meta,
            "referral": referral,
            "form": form,
            "button": PAGE_ACTIONS[action].button,
            "zone_name": timezone.get_current_timezone_name(),
        }
