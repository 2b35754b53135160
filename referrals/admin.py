"""The IR office admin: an office works its own referrals, visits, follow-ups and listing here.

Office staff (staff users with a practice membership) see their own practice's rows only
(``referrals.admin_scoping``); superusers see everything. Every status change goes through
``referrals.services``: the admin only gathers the input, calls the service and reports
each referral's result. Views of patient data and exports are written to the audit log,
which superusers may read and nobody may change.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.forms import BaseModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

import directory.admin as directory_admin
import referrals.admin_metrics  # noqa: F401 - registers the "Referral metrics" page
from directory.models import ListingReport, Practice, PracticeLocation, Provider
from directory.services import location_mark_verified
from referrals import routing, selectors, services
from referrals.access import ANOTHER_PRACTICE
from referrals.admin_enrolment import OfficePracticeAdmin
from referrals.admin_forms import AppointmentInlineForm, CompleteForm, DeclineForm, RouteByHandForm
from referrals.admin_patient_outcomes import PatientReportedOutcomeInline
from referrals.admin_scoping import (
    ALL_PRACTICES,
    OfficeScopedAdmin,
    OfficeScopedInline,
    OfficeScopedMixin,
    practice_ids_for,
    scoped_listing_reports,
)
from referrals.audit import audit_record, audit_record_many
from referrals.models import (
    Appointment,
    AuditLogEntry,
    FollowUp,
    NotificationOutbox,
    Referral,
    ReferralEvent,
)
from triage.rules import Disposition

Action = AuditLogEntry.Action

# Most pressing first when staff sort by urgency.
URGENCY_RANK = Case(
    *(When(disposition=d.value, then=Value(d.severity)) for d in Disposition),
    default=Value(-1),
    output_field=IntegerField(),
)


ROUTE_BY_HAND_PERMISSION = "referrals.route_referral_by_hand"


def short_id(referral: Referral) -> str:
    """The first block of the referral's public id: enough to tell referrals apart on a screen."""
    return str(referral.public_id).split("-")[0]


def urgency_label(disposition: str) -> str:
    try:
        return Disposition(disposition).label
    except ValueError:
        return disposition


def error_text(error: services.ReferralError) -> str:
    """A service refusal as one plain sentence (field errors joined)."""
    if isinstance(error, services.InvalidInput):
        parts: list[str] = []
        for value in error.errors.values():
            parts += [str(v) for v in (value if isinstance(value, list) else [value])]
        return " ".join(parts)
    return str(error)


# --- Inlines on the referral page ------------------------------------------------------------


class ReferralEventInline(admin.TabularInline):
    """The referral's timeline, read-only: every status change and routing move."""

    model = ReferralEvent
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"
    extra = 0
    can_delete = False
    fields = ("created_at", "kind", "change", "actor", "practice", "reason", "comment")
    readonly_fields = (*fields, "where", "actor_here", "reason_here", "comment_here")
    ordering = ["created_at", "id"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if practice_ids_for(request) is None:
            return self.fields
        # An office sees that the referral was elsewhere before, not which competitor had it,
        # who acted there, why it declined or what it wrote.
        return [OFFICE_VIEW_FIELDS.get(name, name) for name in self.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReferralEvent]:
        return super().get_queryset(request).select_related("actor", "practice", "referral")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
    autocomplete_fields = ["provider", "location"]
    fields = ["kind", "starts_at", "provider", "location", "status", "pain_score"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related("provider", "location")


class FollowUpInline(admin.TabularInline):
    """Follow-ups due after a procedure; covered by booking a follow-up visit above."""

    model = FollowUp
    fk_name = "referral"
    extra = 0
    can_delete = False
    fields = ("due_on", "kind", "overdue", "appointment")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUp]:
        return super().get_queryset(request).select_related("appointment")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True)
    def overdue(self, follow_up: FollowUp) -> bool:
        return follow_up.is_overdue


# --- Referrals ---------------------------------------------------------------------------------


class UrgencyFilter(admin.SimpleListFilter):
    title = "urgency"
    parameter_name = "urgency"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(d.value, d.label) for d in Disposition]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(disposition=self.value()) if self.value() else queryset


class PastDeadlineFilter(admin.SimpleListFilter):
    title = "acceptance deadline"
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("past", "Past the deadline"), ("open", "Still to answer in time")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        pending = queryset.filter(status=Referral.Status.PENDING)
        if self.value() == "past":
            return pending.filter(acceptance_deadline__lte=timezone.now())
        if self.value() == "open":
            return pending.filter(acceptance_deadline__gt=timezone.now())
        return queryset


PATIENT_FIELDS = (
    "patient_name",
    "patient_birth_date",
    "patient_sex",
    "patient_phone",
    "patient_email",
    "patient_zip",
)
REFERRAL_FIELDS = (
    "public_id",
    "status",
    "urgency",
    "red_flags",
    "clinician",
    "created_at",
    "acceptance_deadline",
    "practice",
    "practice_location",
)
CLINICAL_FIELDS = (
    "requested_procedure",
    "suspected_condition",
    "clinical_question",
    "pain_score",
    "imaging_summary",
    "outcome_summary",
)


@admin.register(Referral)
class ReferralAdmin(OfficeScopedAdmin):
    """An office's referral inbox: urgency, status, deadlines and the next visit at a glance."""

    practice_path = "practice"
    list_display = ["reference", "patient", "urgency", "status", "received", "deadline", "next_appointment"]
    list_display_links = ["reference"]
    list_select_related = ["patient", "practice"]
    list_filter = [
        "status",
        UrgencyFilter,
        PastDeadlineFilter,
        ("requested_procedure", admin.RelatedOnlyFieldListFilter),
        ("practice", admin.RelatedOnlyFieldListFilter),
    ]
    # Search by the referral's id (all of it, or its first block as shown in the list) or the
    # referring clinician: the search term travels in the URL, so patient details never do.
    search_fields = ["clinician__username", "clinician__last_name"]
    search_help_text = "Referral id (or its first 8 characters) or the referring clinician's name."
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    fieldsets = [
        ("Patient", {"fields": PATIENT_FIELDS}),
        ("Referral", {"fields": REFERRAL_FIELDS}),
        ("Clinical question", {"fields": CLINICAL_FIELDS}),
    ]
    readonly_fields = (*PATIENT_FIELDS, *REFERRAL_FIELDS, *CLINICAL_FIELDS)
    inlines = [ReferralEventInline, AppointmentInline, FollowUpInline, PatientReportedOutcomeInline]
    actions = [
        "accept_referrals",
        "decline_referrals",
        "record_no_show",
        "complete_referrals",
        "route_by_hand",
        "export_csv",
    ]

    # -- list ----------------------------------------------------------------------------------

    def works_for_an_office(self, request: HttpRequest) -> bool:
        # Whoever may route by hand works the unroutable referrals, office or not.
        return super().works_for_an_office(request) or request.user.has_perm(ROUTE_BY_HAND_PERMISSION)

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        scoped = super().scope_queryset(request, queryset)
        if practice_ids_for(request) is not ALL_PRACTICES and request.user.has_perm(ROUTE_BY_HAND_PERMISSION):
            # Unroutable and stuck referrals are the coordinators' to place (docs/workflow.md).
            return scoped | queryset.filter(selectors.needs_coordinator())
        return scoped

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm(ROUTE_BY_HAND_PERMISSION):
            actions.pop("route_by_hand", None)
        return actions

    def get_queryset(self, request: HttpRequest) -> QuerySet[Referral]:
        return selectors.with_next_appointment(super().get_queryset(request)).annotate(
            urgency_rank=URGENCY_RANK
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        columns = list(super().get_list_display(request))
        ids = practice_ids_for(request)
        # Which practice holds a referral only tells something to someone who sees several.
        return [*columns, "practice"] if ids is None or len(ids) > 1 else columns

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        filters = list(super().get_list_filter(request))
        ids = practice_ids_for(request)
        if ids is not None and len(ids) <= 1:
            filters = [f for f in filters if not (isinstance(f, tuple) and f[0] == "practice")]
        return filters

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip().lower()
        if term and all(c in "0123456789abcdef-" for c in term) and len(term) >= 8:
            return queryset.filter(public_id__istartswith=term), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="referral", ordering="created_at")
    def reference(self, referral: Referral) -> str:
        return short_id(referral)

    @admin.display(description="urgency", ordering="-urgency_rank")
    def urgency(self, referral: Referral) -> str:
        return urgency_label(referral.disposition)

    @admin.display(description="received", ordering="created_at")
    def received(self, referral: Referral) -> Any:
        return referral.created_at

    @admin.display(description="deadline", ordering="acceptance_deadline")
    def deadline(self, referral: Referral) -> Any:
        if referral.acceptance_deadline is None:
            return "-"
        when = timezone.localtime(referral.acceptance_deadline).strftime("%Y-%m-%d %H:%M")
        return format_html("<strong>{} (past)</strong>", when) if referral.is_past_deadline() else when

    @admin.display(description="next appointment", ordering="next_appointment_at")
    def next_appointment(self, referral: Any) -> str:
        if referral.next_appointment_at is None:
            return "-"
        kind = Appointment.Kind(referral.next_appointment_kind).label
        return f"{timezone.localtime(referral.next_appointment_at):%Y-%m-%d %H:%M} ({kind})"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        change_list = getattr(response, "context_data", {}).get("cl") if response.status_code == 200 else None
        if change_list is not None:
            # The page lists patient names: each row shown is a read of that patient's data.
            audit_record_many(
                actor=request.user,
                action=Action.READ,
                objs=change_list.result_list,
                request=request,
                detail="admin list",
            )
        return response

    # -- change view ---------------------------------------------------------------------------

    def get_queryset_for_change(self, request: HttpRequest) -> QuerySet[Referral]:
        return (
            super()
            .get_queryset(request)
            .select_related("patient", "assessment", "clinician", "practice_location")
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # The change view reads the patient and assessment on every render: fetch them with it.
        try:
            return self.get_queryset_for_change(request).get(pk=int(object_id))
        except (ValueError, Referral.DoesNotExist) as error:
            raise Http404("No such referral.") from error

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        referral = self.get_object(request, object_id)
        extra = {**(extra_context or {}), "title": f"Referral {short_id(referral)}"}
        response = super().change_view(request, object_id, form_url, extra)
        action = Action.UPDATE if request.method == "POST" else Action.READ
        audit_record(
            actor=request.user, action=action, obj=referral, request=request, detail="admin change view"
        )
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Referrals come from clinicians (pages and API), never typed in by an office.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Referral, form: BaseModelForm, change: bool) -> None:
        # Nothing on the referral itself is edited here; its status moves through the actions.
        return None

    def save_formset(self, request: HttpRequest, form: BaseModelForm, formset: Any, change: bool) -> None:
        # The services write the rows; the change message Django builds needs these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not Appointment:
            return
        for row in formset.forms:
            if not row.has_changed() or not row.is_valid():
                continue
            try:
                self._save_visit(request, form.instance, row)
            except services.ReferralError as error:
                self.message_user(request, f"Visit not saved: {error_text(error)}", messages.ERROR)

    def _save_visit(self, request: HttpRequest, referral: Referral, row: AppointmentInlineForm) -> None:
        data = row.cleaned_data
        if row.instance.pk is None:
            services.appointment_schedule(
                referral=referral,
                user=request.user,
                kind=data["kind"],
                starts_at=data["starts_at"],
                provider=data.get("provider"),
                location=data.get("location"),
            )
            return
        if "status" not in row.changed_data:
            raise services.InvalidInput(
                {"status": ["Record the pain score together with the visit's new status."]}
            )
        services.appointment_record_visit(
            appointment=row.instance,
            user=request.user,
            status=data["status"],
            pain_score=data.get("pain_score"),
        )

    # -- read-only fields ----------------------------------------------------------------------

    @admin.display(description="name")
    def patient_name(self, referral: Referral) -> str:
        return referral.patient.full_name

    @admin.display(description="birth date")
    def patient_birth_date(self, referral: Referral) -> str:
        patient = referral.patient
        return f"{patient.birth_date:%Y-%m-%d} (age {patient.age_on(timezone.localdate())})"

    @admin.display(description="sex")
    def patient_sex(self, referral: Referral) -> str:
        return referral.patient.get_sex_display()

    @admin.display(description="phone")
    def patient_phone(self, referral: Referral) -> str:
        return referral.patient.phone

    @admin.display(description="email")
    def patient_email(self, referral: Referral) -> str:
        return referral.patient.email or "-"

    @admin.display(description="ZIP")
    def patient_zip(self, referral: Referral) -> str:
        return referral.patient.postal_code

    @admin.display(description="red flags")
    def red_flags(self, referral: Referral) -> str:
        reasons = referral.assessment.reasons or []
        if not reasons:
            return "None reported."
        return format_html_join(
            "", "<p><strong>{}</strong>: {}</p>", ((r["flag"], r["explanation"]) for r in reasons)
        )

    # -- actions ---------------------------------------------------------------------------------

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Referral],
        run: Callable[[Referral], object],
        *,
        done: str,
        detail: str,
    ) -> None:
        """Run ``run`` on every selected referral; report successes once and each refusal on its own."""
        succeeded = 0
        for referral in queryset.order_by("pk"):
            try:
                run(referral)
            except services.ReferralError as error:
                self.message_user(
                    request, f"Referral {short_id(referral)}: {error_text(error)}", messages.ERROR
                )
                continue
            audit_record(
                actor=request.user, action=Action.UPDATE, obj=referral, request=request, detail=detail
            )
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


# --- Follow-ups due ---------------------------------------------------------------------------


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
class FollowUpDueAdmin(OfficeScopedAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True, description="overdue", ordering="overdue")
    def is_overdue(self, follow_up: Any) -> bool:
        return bool(follow_up.overdue)

    @admin.display(description="patient")
    def patient(self, follow_up: FollowUp) -> str:
        return follow_up.referral.patient.full_name

    @admin.display(description="referral")
    def referral_link(self, follow_up: FollowUp) -> str:
        url = reverse("admin:referrals_referral_change", args=[follow_up.referral_id])
        return format_html('<a href="{}">{}</a>', url, short_id(follow_up.referral))


# --- The office's own directory listing ------------------------------------------------------


def _rescope(model: type[Any], scoped_class: type[admin.ModelAdmin]) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, scoped_class)


class OfficePracticeLocationAdmin(OfficeScopedMixin, directory_admin.PracticeLocationAdmin):
    practice_path = "practice"


class OfficeProviderAdmin(OfficeScopedMixin, directory_admin.ProviderAdmin):
    """Offices keep "accepting new patients" current; the rest of a provider comes from NPPES."""

    practice_path = "locations__practice"

    OFFICE_FIELDSETS = [
        (None, {"fields": ["display_name", "npi", "credential"]}),
        ("Listing", {"fields": ["accepting_new_patients"]}),
        ("What they do", {"fields": ["procedures", "conditions", "languages"]}),
    ]
    OFFICE_READONLY = ["display_name", "npi", "credential", "procedures", "conditions", "languages"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if practice_ids_for(request) is None:
            return super().get_fieldsets(request, obj)
        # Other practices' locations of a shared provider stay out of an office's sight.
        return self.OFFICE_FIELDSETS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if practice_ids_for(request) is None:
            return super().get_readonly_fields(request, obj)
        return self.OFFICE_READONLY

    def save_model(self, request: HttpRequest, obj: Provider, form: BaseModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Saving a provider is the office confirming its listing at its own locations.
        ids = practice_ids_for(request)
        locations = obj.locations.all() if ids is None else obj.locations.filter(practice_id__in=ids)
        for location in locations:
            location_mark_verified(location=location)


class OfficeListingReportAdmin(OfficeScopedMixin, directory_admin.ListingReportAdmin):
    practice_path = "location__practice"

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return scoped_listing_reports(queryset, practice_ids_for(request))


_rescope(Practice, OfficePracticeAdmin)
_rescope(PracticeLocation, OfficePracticeLocationAdmin)
_rescope(Provider, OfficeProviderAdmin)
_rescope(ListingReport, OfficeListingReportAdmin)


# --- For superusers only --------------------------------------------------------------------


class SuperuserOnlyAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(NotificationOutbox)
class NotificationOutboxAdmin(SuperuserOnlyAdmin):
    list_display = ["created_at", "event_kind", "recipient_kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "event_kind", "recipient_kind"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
