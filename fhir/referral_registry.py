"""The resource types of the referral exchange: rows scoped to the asking user, and their rendering.

Like the directory's ``RESOURCE_TYPES``, but every row comes from the referral selectors for
the user a bearer token acts as (``fhir.auth``): another clinician's or another practice's
referral is not among them, so reading it is a 404 like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from fhir import referral_filters, referral_resources
from fhir.filters import SearchParameters
from fhir.registry import Render, ResourceType
from referrals.models import Appointment, Referral
from referrals.selectors import referrals_in_scope


@dataclass(frozen=True)
class ExchangeType:
    """One resource type of the exchange; ``for_user`` gives the directory's ``ResourceType`` shape."""

    name: str
    rows: Callable[[Any], QuerySet[Any]]
    render_one: Callable[[Any], dict[str, Any]]
    search: type[SearchParameters] | None = None
    id_field: str = "public_id"

    def for_user(self, user: Any) -> ResourceType:
        render: Render = lambda rows: [self.render_one(row) for row in rows]  # noqa: E731
        return ResourceType(self.name, lambda: self.rows(user), render, self.search, self.id_field)


def referrals_for(user: Any) -> QuerySet[Referral]:
    """The referrals ``user`` may see, with what their resources show, most recently changed first."""
    return (
        referrals_in_scope(user)
        .select_related("clinician", "practice", "patient", "assessment")
        .annotate(last_updated=F("updated_at"))
        .order_by("-updated_at", "-id")
    )


def appointments_for(user: Any) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(referral__in=referrals_in_scope(user).values("pk"))
        .select_related("referral", "provider")
        .annotate(last_updated=F("updated_at"))
        .order_by("starts_at", "id")
    )


EXCHANGE_TYPES: dict[str, ExchangeType] = {
    kind.name: kind
    for kind in (
        ExchangeType("Task", referrals_for, referral_resources.task, referral_filters.TaskSearch),
        ExchangeType(
            "ServiceRequest",
            referrals_for,
            referral_resources.service_request,
            referral_filters.ServiceRequestSearch,
        ),
        ExchangeType("Patient", referrals_for, referral_resources.patient),
        ExchangeType("QuestionnaireResponse", referrals_for, referral_resources.questionnaire_response),
        ExchangeType(
            "Appointment",
            appointments_for,
            referral_resources.appointment,
            referral_filters.AppointmentSearch,
            id_field="pk",
        ),
    )
}
# Types served for reading only (no search route).
READ_ONLY = {"Patient", "QuestionnaireResponse"}
