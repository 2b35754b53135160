"""Which language a patient page is shown in, and the same page's address in the other languages.

Patient pages live at one address per language (``/find/`` and ``/es/find/``); see
docs/languages.md. Clinician and office pages have a single, English address.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers


@dataclass(frozen=True)
class Alternate:
    """The page being shown, in one of the site's languages."""

    code: str
    name: str
    url: str
    current: bool


def page_in_language(request: HttpRequest, code: str) -> str | None:
    """This page's address in language ``code``, query string kept; None when the page has one language."""
    match = request.resolver_match
    if match is None or not match.view_name:
        return None
    addresses = {}
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            try:
                addresses[language] = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                return None
    if len(set(addresses.values())) == 1:
        return None
    query = request.META.get("QUERY_STRING", "")
    return addresses[code] + (f"?{query}" if query else "")


def language_alternates(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``language_alternates``, the page in every language (empty when English only)."""
    current = translation.get_language()
    alternates = []
    for code, name in settings.LANGUAGES:
        url = page_in_language(request, code)
        if url is None:
            return {"language_alternates": []}
        alternates.append(Alternate(code=code, name=name, url=url, current=code == current))
    return {"language_alternates": alternates}


def remember_language(response: HttpResponse, code: str) -> None:
    """Keep the person's choice of language in Django's language cookie, as its switch view does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class PreferredLanguageMiddleware:
    """Sends a visitor from an English patient page to the same page in their preferred language.

    The preference is the language the person last chose with the switch (Django's language
    cookie), else the first language of the browser's Accept-Language the site offers. Only
    GET and HEAD requests to pages without a language prefix move; forms post where they stand.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.resolver_match is not None and page_in_language(request, settings.LANGUAGE_CODE):
            # The same address can redirect by language: caches must key on what chose it.
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if translation.get_language_from_path(request.path_info):
            return None
        preferred = translation.get_language_from_request(request)
        if preferred == settings.LANGUAGE_CODE:
            return None
        url = page_in_language(request, preferred)
        if url is None:
            return None
        return HttpResponseRedirect(url)
