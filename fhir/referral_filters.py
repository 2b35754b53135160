"""Search parameters of the referral exchange's resource types (docs/fhir-referrals.md).

Declared like the directory's (``fhir.filters``), so the CapabilityStatement lists them too.
A referral's resources are found by the referral's public id (a UUID).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from fhir.catalog import canonical
from fhir.filters import LAST_UPDATED, SearchParameters, declare_search
from fhir.params import LastUpdatedParam, SearchParam, StringParam, TokenParam
from fhir.referral_resources import EHR_KEY_PREFIX, REFERRAL_SYSTEM_PATH
from referrals.models import Appointment, Referral


class ServiceRequestReferenceField(forms.CharField):
    """``ServiceRequest/<id>`` or a bare id: a referral's public id."""

    def clean(self, value: Any) -> uuid.UUID | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return uuid.UUID(text.removeprefix("ServiceRequest/"))
        except ValueError as error:
            raise forms.ValidationError(
                f'"{text[:60]}" is not a reference to a ServiceRequest: use ServiceRequest/<id>.'
            ) from error


class ServiceRequestParam(SearchParam):
    fhir_type = "reference"
    field_class = ServiceRequestReferenceField


def _identified_by(qs: QuerySet[Referral], name: str, value: str) -> QuerySet[Referral]:
    """``system|value`` or ``value``: the EHR's own identifier, or the portal's (the public id)."""
    system, _, code = value.rpartition("|")
    if system == canonical(REFERRAL_SYSTEM_PATH):
        try:
            return qs.filter(public_id=uuid.UUID(code))
        except ValueError:
            return qs.none()
    if system:
        return qs.filter(idempotency_key=f"{EHR_KEY_PREFIX}{system}|{code}")
    any_system = Q(idempotency_key__startswith=EHR_KEY_PREFIX, idempotency_key__endswith=f"|{code}")
    return qs.filter(any_system | Q(idempotency_key=f"{EHR_KEY_PREFIX}{code}"))


def _requested_by(qs: QuerySet[Referral], name: str, value: str) -> QuerySet[Referral]:
    return qs.filter(clinician__username=value.removeprefix("Practitioner/").rpartition("|")[2])


TaskSearch = declare_search(
    "TaskSearch",
    Referral,
    SearchParameters,
    {
        "focus": ServiceRequestParam(
            "public_id", documentation="ServiceRequest/<id>: the Task tracking that ServiceRequest."
        ),
        "requester": StringParam(
            method=_requested_by,
            documentation="The referring clinician's username (the identifier in Task.requester).",
        ),
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)

ServiceRequestSearch = declare_search(
    "ServiceRequestSearch",
    Referral,
    SearchParameters,
    {
        "identifier": TokenParam(
            system="",
            method=_identified_by,
            documentation="system|value: the id the EHR gave the referral, or the portal's own.",
        ),
        "requester": TaskSearch.base_filters["requester"],
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)

AppointmentSearch = declare_search(
    "AppointmentSearch",
    Appointment,
    SearchParameters,
    {
        "based-on": ServiceRequestParam(
            "referral__public_id", documentation="ServiceRequest/<id>: the referral's appointments."
        ),
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)
