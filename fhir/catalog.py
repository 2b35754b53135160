"""The procedure and condition catalog as the project's own CodeSystems and ValueSets.

The catalog slugs are the codes. Canonical URLs start at ``PORTAL_BASE_URL`` + ``/fhir``,
where the resources themselves are served (``CodeSystem/procedure``, ``ValueSet/condition``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from directory.models import Condition, Procedure
from directory.selectors import CatalogEntry

CATALOGS: dict[str, type[Procedure] | type[Condition]] = {"procedure": Procedure, "condition": Condition}
TITLES = {"procedure": "IR procedures for low back pain", "condition": "Low back conditions IRs treat"}


def canonical(path: str) -> str:
    """The canonical URL of a definition of this server (``CodeSystem/procedure``...)."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/fhir/{path}"


def code_system_url(kind: str) -> str:
    return canonical(f"CodeSystem/{kind}")


def catalog_concept(kind: str, entry: Procedure | Condition | CatalogEntry) -> dict[str, Any]:
    """A CodeableConcept for a catalog entry."""
    return {"coding": [{"system": code_system_url(kind), "code": entry.slug, "display": entry.name}]}


def catalog_extension(kind: str, entry: Procedure | Condition | CatalogEntry) -> dict[str, Any]:
    """The project's extension saying a provider offers a procedure / treats a condition."""
    name = {"procedure": "offered-procedure", "condition": "treated-condition"}[kind]
    return {
        "url": canonical(f"StructureDefinition/{name}"),
        "valueCodeableConcept": catalog_concept(kind, entry),
    }


def code_system(kind: str) -> dict[str, Any]:
    entries = CATALOGS[kind].objects.order_by("name")
    concepts = [
        {"code": entry.slug, "display": entry.name, "definition": entry.description} for entry in entries
    ]
    return {
        "resourceType": "CodeSystem",
        "id": kind,
        "url": code_system_url(kind),
        "name": f"{kind.capitalize()}Catalog",
        "title": TITLES[kind],
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "count": len(concepts),
        "concept": concepts,
    }


def value_set(kind: str) -> dict[str, Any]:
    return {
        "resourceType": "ValueSet",
        "id": kind,
        "url": canonical(f"ValueSet/{kind}"),
        "name": f"{kind.capitalize()}Catalog",
        "title": TITLES[kind],
        "status": "active",
        "compose": {"include": [{"system": code_system_url(kind)}]},
    }
