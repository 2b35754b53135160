"""One FilterSet per FHIR resource type: its search parameters, by their FHIR names.

The CapabilityStatement is built from these (``fhir.capability``), so what a server
declares and what it filters by cannot drift. A filter's key is the FHIR parameter name
(``address-postalcode``, ``location.near``); adding a parameter is one entry here, one
method if it needs one, and a test (docs/fhir.md).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from directory.models import Practice, PracticeLocation, Provider
from directory.selectors import (
    ProviderLocation,
    ProviderSearch,
    closeness_expression,
    providers_near,
    within_radius,
)
from fhir.catalog import code_system_url
from fhir.params import LastUpdatedParam, Near, NearParam, ReferenceParam, StringParam, TokenParam
from fhir.representations import IR_TAXONOMY, NPI_SYSTEM

LAST_UPDATED = "When the resource last changed (meta.lastUpdated), with gt, ge, lt or le."


class SearchParameters(django_filters.FilterSet):
    """A resource type's search parameters; ``results()`` is what a valid search finds, in order."""

    near_parameter = ""  # the name of the type's near parameter, if it has one

    def results(self) -> Any:
        """What the search finds, countable and sliceable."""
        return self.qs

    @property
    def near(self) -> Near | None:
        return self.form.cleaned_data.get(self.near_parameter) if self.near_parameter else None


def declare_search(name: str, model: type[Any], base: type[SearchParameters], params: dict[str, Any]) -> Any:
    """A FilterSet class with ``params`` keyed by their FHIR names (not Python identifiers)."""
    meta = type("Meta", (), {"model": model, "fields": []})
    metaclass: Any = type(base)
    return metaclass(name, (base,), {**params, "Meta": meta})


def _practitioner_name(qs: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
    return qs.filter(
        Q(first_name__istartswith=value) | Q(middle_name__istartswith=value) | Q(last_name__istartswith=value)
    )


def _at_practice(qs: QuerySet[Provider], name: str, value: str) -> QuerySet[Provider]:
    at_practice = ProviderLocation.objects.filter(
        provider=OuterRef("pk"), practicelocation__practice_id=value
    )
    return qs.filter(Exists(at_practice))


def _ir_specialty(code: str) -> Q:
    return Q() if code == IR_TAXONOMY["code"] else Q(pk__in=[])


def _unchanged(qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
    return qs  # applied by results(): the near search ranks as well as filters


def _location_near(qs: QuerySet[PracticeLocation], name: str, value: Near) -> QuerySet[PracticeLocation]:
    return (
        qs.filter(within_radius(value.origin, value.radius_km))
        .annotate(closeness=closeness_expression(value.origin))
        .order_by("-closeness", "pk")
    )


def _offering(code: str) -> Exists:
    return Exists(
        ProviderLocation.objects.filter(
            practicelocation=OuterRef("pk"), provider__is_listed=True, provider__procedures__slug=code
        )
    )


PractitionerSearch = declare_search(
    "PractitionerSearch",
    Provider,
    SearchParameters,
    {
        "identifier": TokenParam(
            "npi", system=NPI_SYSTEM, documentation="The NPI, with or without its system."
        ),
        "name": StringParam(method=_practitioner_name, documentation="The start of a given or family name."),
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)

OrganizationSearch = declare_search(
    "OrganizationSearch",
    Practice,
    SearchParameters,
    {
        "name": StringParam("name", documentation="The start of the practice's name."),
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)

EndpointSearch = declare_search(
    "EndpointSearch",
    Practice,
    SearchParameters,
    {
        "organization": ReferenceParam(
            "pk", lookup_expr="exact", target="Organization", documentation="Organization/<id>."
        ),
        "status": StringParam(
            "fhir_endpoint_status", lookup_expr="exact", documentation="active, off or error."
        ),
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)

_LOCATION_PARAMS = {
    "near": NearParam(
        method=_location_near,
        documentation="latitude|longitude|distance|units (km or mi; km when omitted), nearest first.",
    ),
    "address-postalcode": StringParam("postal_code", documentation="The start of the ZIP code."),
    "address-city": StringParam("city", documentation="The start of the city's name."),
    "address-state": StringParam("state", documentation="The two-letter state."),
    "organization": ReferenceParam(
        "practice_id", lookup_expr="exact", target="Organization", documentation="Organization/<id>."
    ),
    "_lastUpdated": LastUpdatedParam(documentation="The listing's last verification, with gt, ge, lt or le."),
}


class _LocationSearch(SearchParameters):
    near_parameter = "near"


LocationSearch = declare_search("LocationSearch", PracticeLocation, _LocationSearch, _LOCATION_PARAMS)

HealthcareServiceSearch = declare_search(
    "HealthcareServiceSearch",
    PracticeLocation,
    SearchParameters,
    {
        "organization": _LOCATION_PARAMS["organization"],
        "location": ReferenceParam(
            "pk", lookup_expr="exact", target="Location", documentation="Location/<id>."
        ),
        "service-type": TokenParam(
            where=_offering,
            system=code_system_url("procedure"),
            documentation="A procedure offered there (a code of CodeSystem/procedure).",
        ),
        "_lastUpdated": _LOCATION_PARAMS["_lastUpdated"],
    },
)


class NearestRoles:
    """The directory search as roles: countable, and sliced into rows naming each provider
    (``pk``), their nearest location and its distance; the roles are rendered from those."""

    def __init__(self, search: ProviderSearch) -> None:
        self._search = search

    def count(self) -> int:
        return self._search.count()

    def __getitem__(self, index: slice) -> list[SimpleNamespace]:
        return [
            SimpleNamespace(
                pk=row.provider_id, nearest_location_id=row.location_id, distance_km=row.distance_km
            )
            for row in self._search.nearest(index.start or 0, index.stop)
        ]


class _PractitionerRoleSearch(SearchParameters):
    near_parameter = "location.near"

    def results(self) -> Any:
        """Without ``location.near``, roles by name; with it, the directory search itself."""
        near = self.near
        if near is None:
            return self.qs.order_by("last_name", "first_name", "npi")
        # The search keeps listed providers itself; narrowing by the FilterSet's queryset costs
        # a lookup per location in the circle, so it is passed only when another filter is set.
        given = self.form.cleaned_data.items()
        others = [name for name, value in given if value not in (None, "") and name != self.near_parameter]
        providers = self.qs if others else None
        return NearestRoles(providers_near(origin=near.origin, radius_km=near.radius_km, providers=providers))


PractitionerRoleSearch = declare_search(
    "PractitionerRoleSearch",
    Provider,
    _PractitionerRoleSearch,
    {
        "location.near": NearParam(
            method=_unchanged,
            documentation="Practitioners with a location within the distance, each once at the nearest, "
            "nearest first: the same providers in the same order as /api/v1/providers/.",
        ),
        "specialty": TokenParam(
            where=_ir_specialty, system=IR_TAXONOMY["system"], documentation="A NUCC taxonomy code."
        ),
        "procedure": TokenParam(
            "procedures__slug",
            system=code_system_url("procedure"),
            own=True,
            documentation="A procedure offered (a code of CodeSystem/procedure).",
        ),
        "condition": TokenParam(
            "conditions__slug",
            system=code_system_url("condition"),
            own=True,
            documentation="A condition treated (a code of CodeSystem/condition).",
        ),
        "practitioner.identifier": TokenParam(
            "npi", system=NPI_SYSTEM, documentation="The practitioner's NPI, with or without its system."
        ),
        "organization": ReferenceParam(
            method=_at_practice, target="Organization", documentation="Organization/<id> of any location."
        ),
        "_lastUpdated": LastUpdatedParam(documentation=LAST_UPDATED),
    },
)
