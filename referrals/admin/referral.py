"""The referral list and page: an office's inbox, and one referral with its visits and timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from directory.time_zones import format_day
from referrals import selectors, services
from referrals.admin.actions import ReferralActionsMixin
from referrals.admin.display import URGENCY_RANK, error_text, flag_words, short_id
from referrals.admin.forms import AppointmentInlineForm
from referrals.admin.inlines import AppointmentInline, FollowUpInline, ReferralEventInline
from referrals.admin.page_actions import ReferralPageActionsMixin
from referrals.admin.patient_outcomes import PatientReportedOutcomeInline
from referrals.admin.scoping import ALL_PRACTICES, OfficeScopedAdmin, practice_ids_for
from referrals.audit import audit_record, audit_record_many
from referrals.local_time import at_practice, referral_zone
from referrals.models import Appointment, AuditLogEntry, Referral
from referrals.roles import is_coordinator
from referrals.wording import NO_RED_FLAGS, urgency_label
from triage.rules import Disposition

Action = AuditLogEntry.Action
BOOKED = Appointment.Status.BOOKED


class UrgencyFilter(admin.SimpleListFilter):
    title = "urgency"
    parameter_name = "urgency"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(d.value, urgency_label(d.value)) for d in Disposition]

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
    "received_at",
    "answer_by",
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
class ReferralAdmin(ReferralPageActionsMixin, ReferralActionsMixin, OfficeScopedAdmin):
    """An office's referral inbox: urgency, status, deadlines and the next visit at a glance."""

    practice_path = "practice"
    list_display = ["reference", "patient", "urgency", "status", "received", "deadline", "next_appointment"]
    list_display_links = ["reference"]
    list_select_related = ["patient", "practice", "practice_location"]
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
        return super().works_for_an_office(request) or is_coordinator(request.user)

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        scoped = super().scope_queryset(request, queryset)
        coordinated = selectors.coordinator_referrals(request.user)
        if practice_ids_for(request) is not ALL_PRACTICES and coordinated is not None:
            # Unroutable and stuck referrals are the coordinators' to place (docs/workflow.md).
            return scoped | queryset.filter(coordinated)
        return scoped

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not is_coordinator(request.user):
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
    def received(self, referral: Referral) -> str:
        return at_practice(referral.created_at, referral)

    @admin.display(description="deadline", ordering="acceptance_deadline")
    def deadline(self, referral: Referral) -> str:
        if referral.acceptance_deadline is None:
            return "-"
        when = at_practice(referral.acceptance_deadline, referral)
        return format_html("<strong>{} (past)</strong>", when) if referral.is_past_deadline() else when

    @admin.display(description="next appointment", ordering="next_appointment_at")
    def next_appointment(self, referral: Any) -> str:
        if referral.next_appointment_at is None:
            return "-"
        kind = Appointment.Kind(referral.next_appointment_kind).label
        return f"{at_practice(referral.next_appointment_at, referral)} ({kind})"

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
        """The referral's page; what a POST changes commits only together with its audit entry."""
        referral = self.get_object(request, object_id)
        extra = {
            **(extra_context or {}),
            "title": f"Referral {short_id(referral)}",
            "page_actions": self.page_actions(request, referral),
        }
        # Every time on the page is shown and taken in the practice's zone; the page is
        # rendered here, while that zone is the current one.
        with transaction.atomic(), timezone.override(referral_zone(referral)):
            response = super().change_view(request, object_id, form_url, extra)
            if isinstance(response, TemplateResponse):
                response.render()
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
                outcome=None
                if data.get("status") in (None, "", Appointment.Status.BOOKED)
                else data["status"],
                pain_score=data.get("pain_score"),
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
        return f"{format_day(patient.birth_date)} (age {patient.age_on(timezone.localdate())})"

    @admin.display(description="received")
    def received_at(self, referral: Referral) -> str:
        return at_practice(referral.created_at, referral)

    @admin.display(description="answer by")
    def answer_by(self, referral: Referral) -> str:
        return at_practice(referral.acceptance_deadline, referral)

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
            return NO_RED_FLAGS
        items = format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            ((flag_words(r["flag"]), r["explanation"]) for r in reasons),
        )
        return format_html('<ul class="red-flags">{}</ul>', items)
