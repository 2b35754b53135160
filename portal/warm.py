"""Loading, as a web process starts, what its first request would otherwise wait for.

Resolving the first URL imports the URLconf and with it every view, Django REST framework
and the schema generator: about a second of imports that the first patient after each
start or deploy would pay. The place index is opened by the directory app's ``ready()``.
"""

from __future__ import annotations

from django.core.checks.urls import check_resolver
from django.urls import get_resolver


def load_request_code() -> None:
    """Import every view and compile every URL pattern now (what the URL checks walk)."""
    resolver = get_resolver()
    check_resolver(resolver)
    # Matching compiles each pattern's expression on first use: match the busiest public path.
    resolver.resolve("/api/v1/providers/")
