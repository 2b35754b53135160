"""Per-office scoping for the admin: staff see and pick only their own practice's rows.

Every scoped admin names how its rows reach a practice (``practice_path``). The same
narrowing is applied to change lists, change views, related dropdowns and the
autocomplete and raw-id lookups (those go through the related model's scoped admin),
so no other practice's names can reach an office's screens. Superusers see everything.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from directory.enrolment import practice_ids_for_user
from directory.models import ListingReport, Practice, PracticeLocation, Provider

ALL_PRACTICES = None


def practice_ids_for(request: HttpRequest) -> frozenset[int] | None:
    """The practices the signed-in user works for, or None (no limit) for a superuser.

    Read once per request: every scoped list, form field and filter on a page shares it.
    """
    user: Any = request.user
    if user.is_superuser:
        return ALL_PRACTICES
    cached: frozenset[int] | None = getattr(request, "_office_practice_ids", None)
    if cached is None:
        cached = practice_ids_for_user(user)
        request._office_practice_ids = cached  # type: ignore[attr-defined]
    return cached


def scope_to_practices(
    queryset: QuerySet[Any], *, practice_path: str, ids: frozenset[int] | None
) -> QuerySet[Any]:
    """``queryset`` narrowed to rows whose ``practice_path`` is one of ``ids`` (all rows for None).

    Paths through a many-to-many relation (a provider's locations) are de-duplicated.
    """
    if ids is ALL_PRACTICES:
        return queryset
    narrowed = queryset.filter(**{f"{practice_path}__in": ids})
    # A provider works at several locations: a path through them would repeat rows.
    return narrowed.distinct() if "locations" in practice_path.split("__") else narrowed


def scoped_listing_reports(
    queryset: QuerySet[ListingReport], ids: frozenset[int] | None
) -> QuerySet[ListingReport]:
    """Reports about the office's own listing: its locations, or its providers when no location is named."""
    if ids is ALL_PRACTICES:
        return queryset
    about_us = Q(location__practice_id__in=ids) | Q(
        location__isnull=True, provider__in=Provider.objects.filter(locations__practice_id__in=ids)
    )
    return queryset.filter(about_us)


# How each directory model reaches its practice, for narrowing related choices.
RELATED_PRACTICE_PATHS: dict[type[models.Model], str] = {
    Practice: "pk",
    PracticeLocation: "practice",
    Provider: "locations__practice",
}


def scoped_choices(model: type[models.Model], request: HttpRequest) -> QuerySet[Any] | None:
    """The rows of ``model`` this user may pick in a form, or None when ``model`` is not practice-owned."""
    path = RELATED_PRACTICE_PATHS.get(model)
    if path is None:
        return None
    return scope_to_practices(model._default_manager.all(), practice_path=path, ids=practice_ids_for(request))


class OfficeScopedMixin(admin.ModelAdmin):
    """Admin behaviour that shows office staff their own practice's rows only, and nothing to other staff.

    Model permissions still apply on top (the "IR office staff" group grants them); a staff
    user without a practice membership sees nothing. A row outside the office's scope is
    a 404 on every object URL, exactly like a row that does not exist.
    """

    practice_path: str = "practice"

    def scope_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return scope_to_practices(queryset, practice_path=self.practice_path, ids=practice_ids_for(request))

    def works_for_an_office(self, request: HttpRequest) -> bool:
        ids = practice_ids_for(request)
        return ids is ALL_PRACTICES or bool(ids)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.works_for_an_office(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.works_for_an_office(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.works_for_an_office(request) and super().has_change_permission(request, obj)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # Django answers a missing object with a redirect and a message; another office's
        # row must look exactly like one that does not exist, and be a plain 404.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such record.")
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OfficeScopedAdmin(OfficeScopedMixin):
    """A model admin scoped to the office (directory admins narrow through their own hook)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.scope_queryset(request, super().get_queryset(request))


class OfficeScopedInline(admin.TabularInline):
    """An inline whose related dropdowns offer the office's own providers and locations only."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
