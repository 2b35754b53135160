"""The referral list's actions: each gathers its input, calls the service and reports per referral."""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from referrals import routing, services
from referrals.admin.display import error_text, short_id
from referrals.admin.forms import CompleteForm, DeclineForm, RouteByHandForm
from referrals.audit import audit_record, audit_record_many
from referrals.models import Appointment, AuditLogEntry, Referral

Action = AuditLogEntry.Action
logger = logging.getLogger(__name__)
NOT_RECORDED = "not changed: the change could not be recorded in the audit log. Please try again."


class ReferralActionsMixin(admin.ModelAdmin):
    """The bulk actions of the referral list; every status change goes through ``referrals.services``."""

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Referral],
        run: Callable[[Referral], object],
        *,
        done: str,
        detail: str,
    ) -> None:
        """Run ``run`` on every selected referral; report successes once and each refusal on its own.

        Each referral's change and its audit entry commit together: if the entry cannot be
        written, the change is rolled back and reported as not made.
        """
        succeeded = 0
        for referral in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    run(referral)
                    audit_record(
                        actor=request.user, action=Action.UPDATE, obj=referral, request=request, detail=detail
                    )
            except services.ReferralError as error:
                self.message_user(
                    request, f"Referral {short_id(referral)}: {error_text(error)}", messages.ERROR
                )
                continue
            except DatabaseError:
                logger.exception(
                    "Audit entry for referral %s not written; its change was rolled back.", referral.pk
                )
                self.message_user(request, f"Referral {short_id(referral)}: {NOT_RECORDED}", messages.ERROR)
                continue
            succeeded += 1
        if succeeded:
            self.message_user(request, f"{succeeded} referral(s) {done}.", messages.SUCCESS)

    def _ask_unless_valid(
        self,
        request: HttpRequest,
        queryset: QuerySet[Referral],
        form: Any,
        *,
        action: str,
        title: str,
        button: str,
    ) -> TemplateResponse | None:
        """None when ``form`` came back filled in and valid; otherwise the page asking for it."""
        if form.is_bound and form.is_valid():
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "referrals": list(queryset.order_by("pk")),
            "action_name": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "button": button,
        }
        return TemplateResponse(request, "admin/referrals/referral/action_form.html", context)

    @admin.action(description="Accept selected referrals")
    def accept_referrals(self, request: HttpRequest, queryset: QuerySet[Referral]) -> None:
        self._each(
            request,
            queryset,
            lambda r: services.referral_accept(referral=r, user=request.user),
            done="accepted",
            detail="accept",
        )

    @admin.action(description="Decline selected referrals (with a reason)…")
    def decline_referrals(
        self, request: HttpRequest, queryset: QuerySet[Referral]
    ) -> TemplateResponse | None:
        form = DeclineForm(request.POST if "apply" in request.POST else None)
        if page := self._ask_unless_valid(
            request,
            queryset,
            form,
            action="decline_referrals",
            title="Decline referrals",
            button="Decline",
        ):
            return page
        reason, comment = form.cleaned_data["reason"], form.cleaned_data["comment"]
        self._each(
            request,
            queryset,
            lambda r: services.referral_decline(
                referral=r, user=request.user, reason=reason, comment=comment
            ),
            done="declined and sent on",
            detail="decline",
        )
        return None

    @admin.action(description="Send the selected unroutable referral to a practice…")
    def route_by_hand(self, request: HttpRequest, queryset: QuerySet[Referral]) -> TemplateResponse | None:
        if queryset.count() != 1:
            self.message_user(
                request,
                "Choose one referral at a time: each is offered the practices near its own patient.",
                messages.ERROR,
            )
            return None
        options = routing.hand_routing_options(queryset.select_related("patient").get())
        form = RouteByHandForm(request.POST if "apply" in request.POST else None, options=options)
        if page := self._ask_unless_valid(
            request,
            queryset,
            form,
            action="route_by_hand",
            title="Send a referral to a practice",
            button="Send",
        ):
            return page
        practice = form.chosen_practice()
        self._each(
            request,
            queryset,
            lambda r: services.referral_route_by_hand(referral=r, user=request.user, practice=practice),
            done=f"sent to {practice.name}",
            detail="route by hand",
        )
        return None

    @admin.action(description="Record a no-show for the visit that has started")
    def record_no_show(self, request: HttpRequest, queryset: QuerySet[Referral]) -> None:
        def no_show(referral: Referral) -> object:
            visit = (
                referral.appointments.filter(
                    status__in=Appointment.SLOT_HOLDING_STATUSES, starts_at__lte=timezone.now()
                )
                .order_by("-starts_at")
                .first()
            )
            if visit is None:
                raise services.InvalidTransition("It has no booked visit that has started yet.")
            return services.appointment_record_visit(
                appointment=visit, user=request.user, status=Appointment.Status.NO_SHOW
            )

        self._each(request, queryset, no_show, done="marked as a no-show", detail="no_show")

    @admin.action(description="Complete selected referrals (with the outcome)…")
    def complete_referrals(
        self, request: HttpRequest, queryset: QuerySet[Referral]
    ) -> TemplateResponse | None:
        form = CompleteForm(request.POST if "apply" in request.POST else None)
        if page := self._ask_unless_valid(
            request,
            queryset,
            form,
            action="complete_referrals",
            title="Complete referrals",
            button="Complete",
        ):
            return page
        outcome = form.cleaned_data["outcome_summary"]
        self._each(
            request,
            queryset,
            lambda r: services.referral_complete(referral=r, user=request.user, outcome_summary=outcome),
            done="completed; the outcome went to the referring clinician",
            detail="complete",
        )
        return None

    @admin.action(description="Export selected referrals (CSV)")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Referral]) -> HttpResponse:
        referrals = list(queryset.select_related("patient", "requested_procedure", "suspected_condition"))
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="referrals.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        writer.writerow(
            ["referral", "received", "urgency", "status", "patient", "birth_date", "phone", "asked_for"]
        )
        for r in referrals:
            asked_for = r.requested_procedure or r.suspected_condition
            writer.writerow(
                [
                    r.public_id,
                    f"{timezone.localtime(r.created_at):%Y-%m-%d %H:%M}",
                    r.disposition,
                    r.status,
                    r.patient.full_name,
                    r.patient.birth_date,
                    r.patient.phone,
                    asked_for,
                ]
            )
        audit_record_many(
            actor=request.user, action=Action.EXPORT, objs=referrals, request=request, detail="csv"
        )
        return response
