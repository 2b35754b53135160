"""``/fhir/`` referral exchange: reads and searches of a referral's resources, for OAuth clients.

Thin adapters: ``fhir.auth`` says who is calling, ``fhir.referral_registry`` gives the rows
that user may see (``referrals.selectors``), every read is audited like ``/api/v1/``, and
every refusal is an OperationOutcome (docs/fhir-referrals.md).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt

from fhir.auth import READ_SCOPE, AuthError, fhir_user
from fhir.outcomes import FhirError, error_response, fhir_response
from fhir.params import valid_id
from fhir.referral_registry import EXCHANGE_TYPES
from fhir.views import search_bundle
from referrals.audit import audit_record_many
from referrals.models import AuditLogEntry

ExchangeView = Callable[..., HttpResponse]


def exchange_view(methods: dict[str, str]) -> Callable[[ExchangeView], ExchangeView]:
    """Wrap a view of the exchange: ``methods`` maps each allowed HTTP method to the scope it needs.

    The view gets the user the bearer token acts as; no token, a bad one or a missing scope
    is a 401/403 OperationOutcome; the answer is never cached (it holds patient data).
    Exempt from CSRF checks: a call is authorised by its bearer token, never by a cookie.
    """

    def decorate(view: ExchangeView) -> ExchangeView:
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = _answer(view, methods, request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        wrapped.allowed_methods = tuple(methods)  # type: ignore[attr-defined]  # read by fhir.capability
        return wrapped

    return decorate


def _answer(
    view: ExchangeView, methods: dict[str, str], request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
    method = "GET" if request.method == "HEAD" else str(request.method)
    if method not in methods:
        response = error_response(FhirError(f"use {' or '.join(methods)}.", status=405, code="not-supported"))
        response["Allow"] = ", ".join(methods)
        return response
    try:
        user = fhir_user(request, scope=methods[method])
    except AuthError as error:
        code = "forbidden" if error.status == 403 else "login"
        response = error_response(FhirError(error.message, status=error.status, code=code))
        response["WWW-Authenticate"] = error.www_authenticate
        return response
    try:
        return view(request, user, *args, **kwargs)
    except FhirError as error:
        return error_response(error)


def _lookup_value(id_field: str, resource_id: str) -> Any:
    """What ``resource_id`` is in ``id_field``; None for a FHIR id no row of this type can have.

    A string that is not a FHIR id at all is a 400 naming ``id``.
    """
    if not valid_id(resource_id):
        raise FhirError("not a FHIR id: letters, digits, '-' and '.', at most 64.", parameter="id")
    if id_field == "pk":
        return int(resource_id) if resource_id.isdigit() and len(resource_id) <= 18 else None
    try:
        return uuid.UUID(resource_id)
    except ValueError:
        return None


@exchange_view({"GET": READ_SCOPE})
def read(request: HttpRequest, user: Any, resource_type: str, resource_id: str) -> HttpResponse:
    return read_as(request, user, resource_type, resource_id)


@exchange_view({"GET": READ_SCOPE})
def search(request: HttpRequest, user: Any, resource_type: str) -> HttpResponse:
    return search_as(request, user, resource_type)


def read_as(request: HttpRequest, user: Any, resource_type: str, resource_id: str) -> HttpResponse:
    """The read, for a view that already knows the user (one URL, several methods)."""
    kind = EXCHANGE_TYPES[resource_type]
    resource = kind.for_user(user)
    wanted = _lookup_value(kind.id_field, resource_id)
    rows = [] if wanted is None else list(resource.rows().filter(**{kind.id_field: wanted})[:1])
    if not rows:
        raise FhirError(f"no {resource_type} has the id {resource_id}.", status=404, code="not-found")
    _audit_read(request, user, rows)
    return fhir_response(resource.render(rows)[0])


def search_as(request: HttpRequest, user: Any, resource_type: str) -> HttpResponse:
    """The search, for a view that already knows the user (one URL, several methods)."""
    bundle, rows = search_bundle(request, EXCHANGE_TYPES[resource_type].for_user(user))
    _audit_read(request, user, rows)
    return fhir_response(bundle)


def _audit_read(request: HttpRequest, user: Any, rows: list[Any]) -> None:
    audit_record_many(actor=user, action=AuditLogEntry.Action.READ, objs=rows, request=request)
