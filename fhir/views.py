"""``/fhir/``: read and search the directory as FHIR R4, public and read-only (docs/fhir.md).

Thin adapters over ``fhir.registry`` (rows and rendering) and ``fhir.filters`` (search
parameters); every refusal is an OperationOutcome (``fhir.outcomes``), never a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.http import urlencode

from directory.selectors import location_distance_km
from fhir.capability import capability_statement
from fhir.outcomes import FhirError, error_response, fhir_response
from fhir.params import valid_id
from fhir.registry import RESOURCE_TYPES, ResourceType
from fhir.representations import distance_extension

RESULT_PARAMETERS = {"_count", "_page", "_include", "_format"}
REPEATABLE = {"_include", "_lastUpdated"}
DEFAULT_COUNT, MAX_COUNT = 20, 100
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


def fhir_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only; a FhirError becomes its OperationOutcome."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            error = FhirError("this server is read-only: use GET.", status=405, code="not-supported")
            response = error_response(error)
            response["Allow"] = "GET, HEAD"
            return response
        try:
            return view(request, *args, **kwargs)
        except FhirError as error:
            return error_response(error)

    return wrapped


@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


@fhir_view
def unknown_type(request: HttpRequest, resource_type: str, resource_id: str = "") -> HttpResponse:
    raise FhirError(
        f"this server does not serve {resource_type[:40]!r}; see /fhir/metadata.",
        status=404,
        code="not-supported",
    )


@fhir_view
def read(request: HttpRequest, resource_type: str, resource_id: str) -> HttpResponse:
    if not valid_id(resource_id):
        raise FhirError("not a FHIR id: letters, digits, '-' and '.', at most 64.", parameter="id")
    found = RESOURCE_TYPES[resource_type].read_many([resource_id])
    if not found:
        raise FhirError(f"no {resource_type} has the id {resource_id}.", status=404, code="not-found")
    return fhir_response(found[0])


@fhir_view
def search(request: HttpRequest, resource_type: str) -> HttpResponse:
    bundle, _rows = search_bundle(request, RESOURCE_TYPES[resource_type])
    return fhir_response(bundle)


def search_bundle(request: HttpRequest, resource: ResourceType) -> tuple[dict[str, Any], list[Any]]:
    """The searchset Bundle answering ``request``, and the page of rows it shows."""
    params = request.GET
    _check_parameters(resource, params)
    count, page = _paging(params)
    includes = _includes(resource, params)
    results, near = _results(resource, params)
    total = results.count() if hasattr(results, "count") and not isinstance(results, list) else len(results)
    rows = list(results[(page - 1) * count : page * count])
    resources = resource.render(rows)
    entries = [_entry(request, found, _match(row, near)) for row, found in zip(rows, resources, strict=True)]
    entries += [
        _entry(request, found, {"mode": "include"}) for found in _included(resource, includes, resources)
    ]
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": _links(request, resource.name, page, count, total),
        "entry": entries,
    }
    return bundle, rows


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _check_parameters(resource: ResourceType, params: QueryDict) -> None:
    """Every parameter known to this resource type, given once (bar the repeatable), no NUL bytes."""
    known = RESULT_PARAMETERS | set(resource.search.base_filters if resource.search else ())
    for name, values in params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            raise FhirError("contains a NUL character.", parameter=name.replace("\x00", "")[:60] or "query")
        if name not in known:
            raise FhirError(
                f"{resource.name} has no search parameter {name[:60]!r} (see /fhir/metadata).",
                parameter=name[:60],
                code="not-supported",
            )
        if not all(values):
            raise FhirError("give a value.", parameter=name)
        if len(values) > 1 and name not in REPEATABLE:
            raise FhirError("give this parameter once.", parameter=name)
    fmt = params.get("_format")
    if fmt is not None and fmt not in JSON_FORMATS:
        raise FhirError(
            "this server answers JSON only: use json or application/fhir+json.", parameter="_format"
        )


def _positive(params: QueryDict, name: str, default: int, ceiling: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= ceiling:
        raise FhirError(f"{raw[:20]!r} is not a whole number from 1 to {ceiling}.", parameter=name)
    return int(raw)


def _paging(params: QueryDict) -> tuple[int, int]:
    return _positive(params, "_count", DEFAULT_COUNT, MAX_COUNT), _positive(params, "_page", 1, 10**6)


def _includes(resource: ResourceType, params: QueryDict) -> list[str]:
    includes = params.getlist("_include")
    for value in includes:
        if value not in resource.includes:
            known = ", ".join(resource.includes) or "none"
            raise FhirError(
                f"{value[:60]!r} cannot be included; {resource.name} includes: {known}.", parameter="_include"
            )
    return includes


def _results(resource: ResourceType, params: QueryDict) -> tuple[Any, Any]:
    """(what the search finds, the near search's value or None)."""
    if resource.search is None:
        return resource.rows(), None
    search = resource.search(data=params, queryset=resource.rows())
    if not search.is_valid():
        name, messages = next(iter(search.errors.items()))
        raise FhirError(str(messages[0]), parameter=name)
    return search.results(), search.near


def _match(row: Any, near: Any) -> dict[str, Any]:
    """An entry's ``search``: a match, with its distance when the search was by distance."""
    found: dict[str, Any] = {"mode": "match"}
    if near is not None:
        distance_km = getattr(row, "distance_km", None)
        if distance_km is None:
            distance_km = location_distance_km(near.origin, row)
        found["extension"] = [distance_extension(distance_km, near.unit_km, near.units)]
    return found


def _entry(request: HttpRequest, resource: dict[str, Any], search: dict[str, Any]) -> dict[str, Any]:
    full_url = f"{base_url(request)}/{resource['resourceType']}/{resource['id']}"
    return {"fullUrl": full_url, "resource": resource, "search": search}


def _included(
    resource: ResourceType, includes: list[str], found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The resources ``_include`` asks for, each once."""
    wanted: dict[str, list[str]] = {}
    for include in includes:
        element = resource.includes[include]
        for item in found:
            value = item.get(element)
            for ref in value if isinstance(value, list) else [value] if value else []:
                target, _, target_id = ref["reference"].partition("/")
                if target_id not in wanted.setdefault(target, []):
                    wanted[target].append(target_id)
    return [included for target, ids in wanted.items() for included in RESOURCE_TYPES[target].read_many(ids)]


def _links(
    request: HttpRequest, resource_type: str, page: int, count: int, total: int
) -> list[dict[str, str]]:
    query = [(name, value) for name, values in request.GET.lists() for value in values if name != "_page"]

    def url(number: int) -> str:
        return f"{base_url(request)}/{resource_type}?" + urlencode([*query, ("_page", str(number))])

    links = [{"relation": "self", "url": url(page)}]
    if page * count < total:
        links.append({"relation": "next", "url": url(page + 1)})
    if page > 1:
        links.append({"relation": "previous", "url": url(page - 1)})
    return links
