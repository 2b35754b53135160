"""Directory admin for staff: practices, locations, providers, the catalog and listing reports.

Every admin here narrows its rows through ``scope_queryset`` (all rows for now), and names
in ``practice_path`` how its rows reach a practice, so per-office scoping can subclass or
replace these classes without touching their lists, filters and forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import HttpRequest

from directory.models import (
    Condition,
    Language,
    ListingReport,
    Practice,
    PracticeLocation,
    PracticeMembership,
    Procedure,
    Provider,
)
from directory.services import listing_reports_resolve, location_mark_verified, practice_mark_verified
from directory.time_zones import US_TIME_ZONES


class DirectoryAdmin(admin.ModelAdmin):
    """Base of the directory admins: one hook narrows what a user may see and change."""

    # The lookup from this model to its Practice (e.g. "practice"), for per-office scoping.
    practice_path: str = ""

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Rows this user may see; everything until offices are scoped to their own practice."""
        return queryset

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope_queryset(request, super().get_queryset(request))


class PracticeLocationInline(admin.StackedInline):
    model = PracticeLocation
    extra = 0
    fields = [
        ("address_line1", "address_line2"),
        ("city", "state", "postal_code"),
        "phone",
        ("latitude", "longitude", "geocode_source"),
        "last_verified_at",
    ]
    readonly_fields = ["last_verified_at"]


@admin.register(Practice)
class PracticeAdmin(DirectoryAdmin):
    practice_path = "pk"
    list_display = ["name", "phone", "accepting_referrals", "updated_at"]
    list_filter = ["accepting_referrals"]
    search_fields = ["name", "locations__city", "locations__postal_code"]
    inlines = [PracticeLocationInline]

    def save_related(self, request: HttpRequest, form: BaseModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Saving the listing is the office confirming it: every location counts as verified now.
        practice_mark_verified(practice=form.instance)


@admin.register(PracticeLocation)
class PracticeLocationAdmin(DirectoryAdmin):
    practice_path = "practice"
    list_display = ["__str__", "practice", "phone", "time_zone", "geocode_source", "last_verified_at"]
    list_select_related = ["practice"]
    list_filter = ["state", "geocode_source"]
    search_fields = ["practice__name", "address_line1", "city", "postal_code"]
    autocomplete_fields = ["practice"]
    readonly_fields = ["geocoded_at", "last_verified_at"]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "time_zone" and field is not None:
            # The US zones to pick from, plus any other the location already keeps.
            field.widget = forms.Select(choices=[("", "From the ZIP code"), *US_TIME_ZONES])
        return field

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        kept = obj.time_zone if obj is not None else ""
        if kept and kept not in dict(US_TIME_ZONES) and "time_zone" in form.base_fields:
            widget = form.base_fields["time_zone"].widget
            widget.choices = [*widget.choices, (kept, kept)]
        return form

    def save_model(
        self, request: HttpRequest, obj: PracticeLocation, form: BaseModelForm, change: bool
    ) -> None:
        if "postal_code" in form.changed_data and "time_zone" not in form.changed_data:
            obj.time_zone = ""  # a new ZIP brings its own zone unless the office picked one too
        super().save_model(request, obj, form, change)
        location_mark_verified(location=obj)


class ProviderStateFilter(admin.SimpleListFilter):
    """Providers practising in a state (any of their locations)."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        states = PracticeLocation.objects.order_by("state").values_list("state", flat=True).distinct()
        return [(state, state) for state in states]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.filter(locations__state=self.value()).distinct()
        return queryset


@admin.register(Provider)
class ProviderAdmin(DirectoryAdmin):
    practice_path = "locations__practice"
    list_display = ["display_name", "npi", "credential", "accepting_new_patients", "is_listed", "updated_at"]
    list_filter = [ProviderStateFilter, "accepting_new_patients", "is_listed", "procedures", "credential"]
    search_fields = ["=npi", "last_name", "first_name"]
    filter_horizontal = ["procedures", "conditions", "languages"]
    autocomplete_fields = ["locations"]
    readonly_fields = ["deactivated_on", "nppes_last_updated", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["npi", ("first_name", "middle_name", "last_name"), "credential", "sex"]}),
        ("Listing", {"fields": ["is_listed", "accepting_new_patients", "locations", "languages"]}),
        ("What they do", {"fields": ["procedures", "conditions"]}),
        ("From NPPES", {"fields": ["deactivated_on", "nppes_last_updated", "created_at", "updated_at"]}),
    ]

    @admin.display(description="Name", ordering="last_name")
    def display_name(self, provider: Provider) -> str:
        return provider.display_name


@admin.register(Procedure, Condition)
class CatalogEntryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    # Slugs are part of the public API contract: changing one would break links and clients.
    readonly_fields = ["slug"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["slug"] if obj is not None else []


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class OpenResolvedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(ListingReport)
class ListingReportAdmin(DirectoryAdmin):
    practice_path = "provider__locations__practice"
    list_display = ["problem", "provider", "location", "created_at", "is_open"]
    list_select_related = ["provider", "location"]
    list_filter = [OpenResolvedFilter, "problem"]
    search_fields = ["=provider__npi", "provider__last_name"]
    autocomplete_fields = ["provider", "location"]
    readonly_fields = ["created_at", "resolved_at"]
    actions = ["mark_resolved"]

    @admin.display(boolean=True, description="Open")
    def is_open(self, report: ListingReport) -> bool:
        return report.is_open

    @admin.action(description="Mark selected reports resolved")
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[ListingReport]) -> None:
        changed = listing_reports_resolve(reports=queryset)
        self.message_user(request, f"{changed} report(s) marked resolved.", messages.SUCCESS)


@admin.register(PracticeMembership)
class PracticeMembershipAdmin(admin.ModelAdmin):
    """Which staff users work for which practice: superusers and referral coordinators keep it."""

    list_display = ["user", "practice", "created_at"]
    list_select_related = ["user", "practice"]
    search_fields = ["user__username", "practice__name"]
    autocomplete_fields = ["user", "practice"]

    def _keeps_memberships(self, request: HttpRequest) -> bool:
        return request.user.has_perm("directory.enrol_practice")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._keeps_memberships(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._keeps_memberships(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._keeps_memberships(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._keeps_memberships(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._keeps_memberships(request)
