"""Project-wide request guards: no caching of patient data, rate limits on public endpoints."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext, gettext_noop
from django_ratelimit.core import get_usage
from ipware import get_client_ip

# Public endpoints that anyone can call without signing in, by (URL name, method), and the
# PUBLIC_RATE_LIMITS group whose rate applies. Pages and their API twins share a group, so a
# scraper cannot double its budget by switching between them.
RATE_LIMITED_VIEWS: dict[tuple[str, str], str] = {
    ("api-provider-search", "GET"): "search",
    ("directory:find", "GET"): "search",
    ("fhir:search-PractitionerRole", "GET"): "search",
    ("fhir:search-Location", "GET"): "search",
    ("triage-assessment-create", "POST"): "self_check",
    ("triage:check", "POST"): "self_check",
    ("directory:provider", "POST"): "listing_report",
    ("outcome-report", "GET"): "outcome_report",
    ("outcome-report", "POST"): "outcome_report",
}

# Clients whose address cannot be read share one budget rather than escaping the limit.
UNKNOWN_CLIENT = "0.0.0.0"  # noqa: S104 (a bucket name, not a bind address)

TOO_MANY_REQUESTS = gettext_noop("Too many requests from your address. Please wait a minute and try again.")


def client_address(request: HttpRequest) -> str:
    """The client's IP address, as the rate limits and the login lockout count it.

    With ``TRUSTED_PROXY_COUNT`` proxies in front of the portal, each appending the address
    it was reached from to X-Forwarded-For, the client is the right-most entry that none of
    them vouches for (django-ipware); entries a client writes itself are further left and
    never read. Without trusted proxies, or with too short a chain, it is the socket address.
    A malformed value gives ``UNKNOWN_CLIENT``: a bad header never turns a page into a 500.
    """
    candidate = None
    if settings.TRUSTED_PROXY_COUNT > 0:
        candidate, _routable = get_client_ip(
            request,
            proxy_order="left-most",
            proxy_count=settings.TRUSTED_PROXY_COUNT - 1,  # ipware counts the proxies after the client
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
    try:
        return str(ipaddress.ip_address(candidate or request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return UNKNOWN_CLIENT


def is_patient_data_path(path: str) -> bool:
    """True when responses under ``path`` may carry patient or symptom data."""
    return path.startswith(tuple(settings.PATIENT_DATA_PATH_PREFIXES))


class PatientDataNoStoreMiddleware:
    """Marks every response under the patient-data prefixes ``Cache-Control: no-store``.

    Browsers and proxies then keep no copy of a referral, an admin page or a symptom check
    that the next user of a shared computer could open from the history or back button.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_patient_data_path(request.path):
            add_never_cache_headers(response)
        return response


class PublicRateLimitMiddleware:
    """Answers 429 once a client address exceeds its group's rate on a public endpoint.

    Counts live in the ``RATELIMIT_USE_CACHE`` cache (Redis in production), so every web
    process shares them; API clients get JSON, people get a page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        group = RATE_LIMITED_VIEWS.get((match.view_name, request.method or "")) if match else None
        if group is None:
            return None
        rate = settings.PUBLIC_RATE_LIMITS[group]
        usage = get_usage(request, group=f"public:{group}", key="ip", rate=rate, increment=True)
        if usage is None or not usage["should_limit"]:
            return None
        return too_many_requests(request, retry_after=usage["time_left"])


def too_many_requests(request: HttpRequest, *, retry_after: int) -> HttpResponse:
    """A 429 in the caller's language (JSON under /api/, an OperationOutcome under /fhir/, a page
    elsewhere) with Retry-After."""
    response: HttpResponse
    if request.path.startswith("/fhir/"):
        issue = {"severity": "error", "code": "throttled", "diagnostics": TOO_MANY_REQUESTS}
        outcome = {"resourceType": "OperationOutcome", "issue": [issue]}
        response = JsonResponse(outcome, status=429, content_type="application/fhir+json")
    elif request.path.startswith("/api/"):
        response = JsonResponse({"detail": TOO_MANY_REQUESTS}, status=429)
    else:
        response = render(request, "429.html", {"message": gettext(TOO_MANY_REQUESTS)}, status=429)
    response["Retry-After"] = str(max(retry_after, 1))
    return response
