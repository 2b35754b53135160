"""The office's own directory listing: its practice, locations, providers and reports about them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import BaseModelForm
from django.http import HttpRequest

import directory.admin as directory_admin
from directory.models import ListingReport, Practice, PracticeLocation, Provider
from directory.services import location_mark_verified
from referrals.admin.enrolment import OfficePracticeAdmin
from referrals.admin.scoping import OfficeScopedMixin, practice_ids_for, scoped_listing_reports


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
