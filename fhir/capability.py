"""The CapabilityStatement, read from the routes (``fhir.urls``) and the FilterSets (``fhir.filters``).

Nothing here lists a resource type or a parameter by hand, so what ``/fhir/metadata``
declares is what the server serves.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern

from fhir.catalog import canonical
from fhir.referral_registry import EXCHANGE_TYPES
from fhir.registry import RESOURCE_TYPES

CAPABILITY_DATE = "2026-12-06"  # when what this statement declares last changed
RESULT_PARAMETERS = [
    ("_count", "number", "Entries per page, 1 to 100 (default 20)."),
    ("_page", "number", "The page of the searchset, from 1 (the Bundle's next/previous links carry it)."),
]


# The write interactions of a route, by the HTTP methods its view takes (``exchange_view``).
WRITES = {("read", "PUT"): "update", ("read", "PATCH"): "patch", ("search", "POST"): "create"}


def served_interactions() -> dict[str, list[str]]:
    """Resource type -> its interactions (``read``, ``search-type``, ``update``...), from the URL conf."""
    from fhir.urls import urlpatterns

    served: dict[str, list[str]] = {}
    for pattern in urlpatterns:
        if not isinstance(pattern, URLPattern) or not pattern.name or "-" not in pattern.name:
            continue
        interaction, _, resource_type = pattern.name.partition("-")
        served.setdefault(resource_type, []).append("search-type" if interaction == "search" else interaction)
        methods = getattr(pattern.callback, "allowed_methods", ())
        served[resource_type] += [
            WRITES[interaction, method] for method in methods if (interaction, method) in WRITES
        ]
    return served


def _search_params(resource_type: str) -> list[dict[str, Any]]:
    served = RESOURCE_TYPES.get(resource_type) or EXCHANGE_TYPES[resource_type]
    search = served.search
    declared = []
    for name, param in (search.base_filters if search else {}).items():
        entry = {"name": name, "type": param.fhir_type, "documentation": param.documentation}
        if param.own:
            entry["definition"] = canonical(f"SearchParameter/{resource_type}-{name}")
        declared.append(entry)
    return declared + [
        {"name": name, "type": kind, "documentation": text} for name, kind, text in RESULT_PARAMETERS
    ]


def _resource(resource_type: str, interactions: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": resource_type,
        "interaction": [{"code": code} for code in sorted(interactions)],
        "searchParam": _search_params(resource_type),
    }
    includes = list(RESOURCE_TYPES[resource_type].includes) if resource_type in RESOURCE_TYPES else []
    if includes:
        entry["searchInclude"] = includes
    return entry


def capability_statement(base_url: str) -> dict[str, Any]:
    """What this server serves: FHIR R4 JSON; the public directory, and the referral exchange
    for OAuth 2.0 clients (docs/fhir.md, docs/fhir-referrals.md)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITY_DATE,
        "kind": "instance",
        "software": {"name": "IR Portal FHIR directory"},
        "implementation": {
            "description": "Public, read-only directory of interventional radiologists",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "The directory is public and read-only: no login. The referral exchange "
                "needs a bearer token from POST /o/token/ (OAuth 2.0 client credentials). Every error "
                "is an OperationOutcome.",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": "OAuth 2.0 client credentials, HTTP Basic client authentication.",
                },
                "resource": [_resource(name, found) for name, found in served_interactions().items()],
                # POST /fhir/: a referral as a transaction Bundle (docs/fhir-referrals.md).
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
