"""The resource types ``/fhir/`` serves: where their rows come from and how a page of them renders.

Reads only (docs/fhir.md); the views, the CapabilityStatement and the bulk export all
walk ``RESOURCE_TYPES``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet

from directory.models import Practice, PracticeLocation, Procedure, Provider
from directory.selectors import ProviderLocation, attach_catalog_entries
from fhir import answer_codes, catalog, filters, questionnaire, referral_status, representations

Render = Callable[[list[Any]], list[dict[str, Any]]]


@dataclass(frozen=True)
class ResourceType:
    """One resource type: ``rows()`` for search and read, ``render`` for a page of them.

    ``search`` is its FilterSet (None: a small fixed set, searched without parameters);
    ``includes`` maps an ``_include`` value to the element holding the references.
    """

    name: str
    rows: Callable[[], Any]
    render: Render
    search: type[filters.SearchParameters] | None = None
    id_field: str = "pk"
    includes: dict[str, str] = field(default_factory=dict)

    def read_many(self, ids: list[str]) -> list[dict[str, Any]]:
        """The resources with these ids, in the order given, unknown ids left out."""
        rows = self.rows()
        if isinstance(rows, list):
            found = {row: row for row in rows}
        else:
            if self.id_field == "pk":
                ids = [value for value in ids if value.isdigit() and len(value) <= 18]
            found = {
                str(getattr(row, self.id_field)): row for row in rows.filter(**{f"{self.id_field}__in": ids})
            }
        by_id = {resource["id"]: resource for resource in self.render(list(found.values()))}
        return [by_id[value] for value in ids if value in by_id]


def _providers() -> QuerySet[Provider]:
    return Provider.objects.filter(is_listed=True).annotate(last_updated=F("updated_at"))


def _practitioners(rows: list[Any]) -> list[dict[str, Any]]:
    providers = _providers().prefetch_related("languages").in_bulk([row.pk for row in rows])
    return [representations.practitioner(providers[row.pk]) for row in rows]


def _roles(rows: list[Any]) -> list[dict[str, Any]]:
    """Roles of providers; one found by a near search lists its nearest location first."""
    providers = (
        _providers()
        .prefetch_related(
            Prefetch(
                "locations", queryset=PracticeLocation.objects.select_related("practice").order_by("pk")
            ),
        )
        .in_bulk([row.pk for row in rows])
    )
    attach_catalog_entries(list(providers.values()), relations=("procedures", "conditions"))
    resources = []
    for row in rows:
        provider = providers[row.pk]
        places = list(provider.locations.all())
        nearest = getattr(row, "nearest_location_id", None)
        places.sort(key=lambda place: place.pk != nearest)  # stable: the rest by id
        resources.append(representations.practitioner_role(provider, places))
    return resources


def _organizations_rows() -> QuerySet[Practice]:
    return Practice.objects.annotate(last_updated=F("updated_at")).order_by("name", "pk")


def _organizations(rows: list[Any]) -> list[dict[str, Any]]:
    practices = (
        _organizations_rows()
        .prefetch_related(Prefetch("locations", queryset=PracticeLocation.objects.order_by("pk")))
        .in_bulk([row.pk for row in rows])
    )
    return [
        representations.organization(practices[row.pk], list(practices[row.pk].locations.all()))
        for row in rows
    ]


def _endpoints_rows() -> QuerySet[Practice]:
    return _organizations_rows().exclude(fhir_base_url="")


def _endpoints(rows: list[Any]) -> list[dict[str, Any]]:
    return [representations.endpoint(row) for row in rows]


def _locations_rows() -> QuerySet[PracticeLocation]:
    accepting = ProviderLocation.objects.filter(
        practicelocation=OuterRef("pk"), provider__is_listed=True, provider__accepting_new_patients=True
    )
    return (
        PracticeLocation.objects.select_related("practice")
        .annotate(last_updated=F("last_verified_at"), accepting=Exists(accepting))
        .order_by("pk")
    )


def _locations(rows: list[Any]) -> list[dict[str, Any]]:
    return [representations.location(row) for row in rows]


def _services(rows: list[Any]) -> list[dict[str, Any]]:
    """HealthcareServices: each location with the procedures its listed providers offer."""
    offered: dict[int, set[int]] = {}
    links = ProviderLocation.objects.filter(
        practicelocation_id__in=[row.pk for row in rows],
        provider__is_listed=True,
        provider__procedures__isnull=False,
    ).values_list("practicelocation_id", "provider__procedures")
    for location_id, procedure_id in links:
        offered.setdefault(location_id, set()).add(procedure_id)
    procedures = list(Procedure.objects.order_by("name", "pk"))
    for row in rows:
        row.offered = [entry for entry in procedures if entry.pk in offered.get(row.pk, set())]
    return [representations.healthcare_service(row) for row in rows]


def _catalog(render: Callable[[str], dict[str, Any]]) -> Render:
    return lambda kinds: [render(kind) for kind in kinds]


# The project's own CodeSystems beside the catalogs: statuses and the practices' answers.
_PROJECT_CODE_SYSTEMS: dict[str, Callable[[], dict[str, Any]]] = {
    referral_status.CODE_SYSTEM_ID: referral_status.code_system,
    **{kind: functools.partial(answer_codes.code_system, kind) for kind in answer_codes.CODE_SYSTEM_IDS},
}


def _code_systems() -> list[str]:
    return sorted([*catalog.CATALOGS, *_PROJECT_CODE_SYSTEMS])


def _code_system(kind: str) -> dict[str, Any]:
    """A catalog, or one of the project's CodeSystems (``_PROJECT_CODE_SYSTEMS``)."""
    if kind in _PROJECT_CODE_SYSTEMS:
        return _PROJECT_CODE_SYSTEMS[kind]()
    return catalog.code_system(kind)


RESOURCE_TYPES: dict[str, ResourceType] = {
    resource.name: resource
    for resource in (
        ResourceType("Practitioner", _providers, _practitioners, filters.PractitionerSearch, "npi"),
        ResourceType(
            "PractitionerRole",
            _providers,
            _roles,
            filters.PractitionerRoleSearch,
            "npi",
            includes={
                "PractitionerRole:practitioner": "practitioner",
                "PractitionerRole:location": "location",
                "PractitionerRole:organization": "organization",
            },
        ),
        ResourceType("Organization", _organizations_rows, _organizations, filters.OrganizationSearch),
        ResourceType("Location", _locations_rows, _locations, filters.LocationSearch),
        ResourceType("HealthcareService", _locations_rows, _services, filters.HealthcareServiceSearch),
        ResourceType("Endpoint", _endpoints_rows, _endpoints, filters.EndpointSearch),
        ResourceType("CodeSystem", _code_systems, _catalog(_code_system)),
        ResourceType("ValueSet", lambda: sorted(catalog.CATALOGS), _catalog(catalog.value_set)),
        ResourceType(
            "Questionnaire", lambda: [questionnaire.QUESTIONNAIRE_ID], _catalog(questionnaire.questionnaire)
        ),
    )
}
