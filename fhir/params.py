"""FHIR search parameters as django-filter filters: each knows its FHIR type and parses its own syntax.

A bad value raises a form ``ValidationError`` whose message the view returns in an
OperationOutcome naming the parameter (docs/fhir.md, "Errors").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from directory.geo import KM_PER_MILE, Origin
from directory.serializers import MAX_RADIUS

# FHIR's own distance units (UCUM) and the plain ones a person types, in km.
NEAR_UNITS = {"km": 1.0, "mi": KM_PER_MILE, "[mi_i]": KM_PER_MILE}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
DATE_PREFIXES = ("gt", "ge", "lt", "le", "eq")


@dataclass(frozen=True)
class Near:
    """A ``near`` search: the point, the radius in km, and the units the client asked in."""

    origin: Origin
    radius_km: float
    units: str

    @property
    def unit_km(self) -> float:
        return NEAR_UNITS[self.units]


def _number(text: str, what: str) -> float:
    if not _NUMBER.match(text):
        raise forms.ValidationError(f'the {what} "{text[:20]}" is not a number.')
    return float(text)


class NearField(forms.CharField):
    """``latitude|longitude|distance|units``: units ``km`` (the default) or ``mi`` / ``[mi_i]``."""

    def clean(self, value: Any) -> Near | None:
        text = super().clean(value)
        if not text:
            return None
        parts = text.split("|")
        if len(parts) not in (3, 4):
            raise forms.ValidationError(
                "give latitude|longitude|distance|units, for example 39.74|-104.99|25|mi."
            )
        lat, lng, distance = (
            _number(part, what)
            for part, what in zip(parts[:3], ("latitude", "longitude", "distance"), strict=True)
        )
        units = parts[3] if len(parts) == 4 and parts[3] else "km"
        if not -90 <= lat <= 90:
            raise forms.ValidationError(
                f"the latitude {parts[0]} is out of range: it must be between -90 and 90."
            )
        if not -180 <= lng <= 180:
            raise forms.ValidationError(
                f"the longitude {parts[1]} is out of range: it must be between -180 and 180."
            )
        if units not in NEAR_UNITS:
            raise forms.ValidationError(f'the units "{units[:20]}" are not known: use km or mi.')
        radius_km = distance * NEAR_UNITS[units]
        if not 0 < radius_km <= MAX_RADIUS * KM_PER_MILE or not math.isfinite(radius_km):
            raise forms.ValidationError(f"the distance must be more than 0 and at most {MAX_RADIUS} miles.")
        return Near(Origin(lat=lat, lng=lng, label=f"{lat:.5f}, {lng:.5f}"), radius_km, units)


class LastUpdatedField(forms.Field):
    """Every value of ``_lastUpdated``: a prefix (``gt``, ``ge``, ``lt``, ``le``, or ``eq``/none)
    and a FHIR date (``2026-01-31``) or dateTime with a time zone."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[Q]:
        return [_date_condition(text) for text in value or [] if text]


def _date_condition(text: str) -> Q:
    prefix, rest = (text[:2], text[2:]) if text[:2] in DATE_PREFIXES else ("eq", text)
    start, end = _date_range(rest)
    if prefix == "gt":
        return Q(last_updated__gte=end)
    if prefix == "ge":
        return Q(last_updated__gte=start)
    if prefix == "lt":
        return Q(last_updated__lt=start)
    if prefix == "le":
        return Q(last_updated__lt=end)
    return Q(last_updated__gte=start, last_updated__lt=end)


def _date_range(text: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants a date or dateTime covers: [start, end)."""
    try:
        day = parse_date(text) if len(text) == 10 else None
        moment = None if day else parse_datetime(text)
    except ValueError:  # well formed, but no such day (2026-13-45)
        day = moment = None
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return start, start + dt.timedelta(days=1)
    if moment is None or timezone.is_naive(moment):
        raise forms.ValidationError(
            f'"{text[:40]}" is not a date: use gt, ge, lt or le and a date such as 2026-01-31 '
            "or a dateTime with a time zone such as 2026-01-31T12:00:00Z."
        )
    return moment, moment + dt.timedelta(microseconds=1)


class ReferenceField(forms.CharField):
    """``Type/id`` or a bare ``id`` of the one resource type the parameter points at (ids are numbers)."""

    def __init__(self, *args: Any, target: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target = target

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if not text:
            return None
        resource_id = text.removeprefix(f"{self.target}/")
        if not resource_id.isdigit() or len(resource_id) > 18:
            raise forms.ValidationError(
                f'"{text[:40]}" is not a reference to a {self.target}: use {self.target}/<id> (a number).'
            )
        return resource_id


class SearchParam(django_filters.Filter):
    """A FHIR search parameter; ``fhir_type`` is its type in the CapabilityStatement.

    ``own``: the project defines it (a SearchParameter of its own, not one of FHIR's).
    """

    fhir_type = "string"
    field_class: type[forms.Field] = forms.CharField

    def __init__(self, *args: Any, documentation: str, own: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.documentation = documentation
        self.own = own


class StringParam(SearchParam):
    """FHIR string search: the start of the value, ignoring case."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lookup_expr", "istartswith")
        super().__init__(*args, **kwargs)


class TokenParam(SearchParam):
    """FHIR token search: ``code`` or ``system|code``; a code of another system matches nothing.

    Matches ``field_name`` exactly, or the condition ``where(code)`` builds.
    """

    fhir_type = "token"

    def __init__(
        self, *args: Any, system: str, where: Callable[[str], Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.system = system
        self.where = where

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        system, _, code = value.rpartition("|")
        if system and system != self.system:
            return qs.none()
        if self.where is not None:
            return qs.filter(self.where(code))
        return qs.filter(**{self.field_name: code})


class ReferenceParam(SearchParam):
    fhir_type = "reference"
    field_class = ReferenceField

    def __init__(self, *args: Any, target: str, **kwargs: Any) -> None:
        super().__init__(*args, target=target, **kwargs)
        self.target = target


class NearParam(SearchParam):
    fhir_type = "special"
    field_class = NearField


class LastUpdatedParam(SearchParam):
    """``_lastUpdated``, repeatable (``ge2026-01-01&_lastUpdated=lt2026-02-01``), over a queryset
    annotated with ``last_updated``."""

    fhir_type = "date"
    field_class = LastUpdatedField

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        for condition in value or []:
            qs = qs.filter(condition)
        return qs


def valid_id(text: str) -> bool:
    """Whether ``text`` is a FHIR id: letters, digits, ``-`` and ``.``, at most 64."""
    return bool(_ID.match(text))
