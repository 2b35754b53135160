"""Loading, as a web process starts, what its first request would otherwise wait for.

Resolving the first URL imports the URLconf and with it every view, Django REST framework
and the schema generator: about a second of imports that the first patient after each
start or deploy would pay. Every response then asks for its page's address in each of the
site's languages (``portal.language``), and Django builds the URL reverse table and loads
the translation catalogs once per language on first use: most of what a first search
still paid after the imports. The place index is opened by the directory app's ``ready()``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks.urls import check_resolver
from django.urls import get_resolver
from django.utils import translation


def load_request_code() -> None:
    """Import every view, compile every URL pattern and build each language's reverse table now."""
    resolver = get_resolver()
    check_resolver(resolver)
    # Matching compiles each pattern's expression on first use: match the busiest public path.
    resolver.resolve("/api/v1/providers/")
    for code, _ in settings.LANGUAGES:
        # Activating a language loads its catalogs; the reverse table is kept per language.
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 -- the property builds and keeps the table
