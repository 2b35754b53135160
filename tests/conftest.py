"""Fixtures shared by every app's tests."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous API client."""
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Every test starts with an empty cache, so rate-limit counts never leak between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _catalog_after_flush(request: pytest.FixtureRequest) -> None:
    """Put the catalog migration's rows back for a transactional test.

    A transactional test ends by emptying every table, so the procedures,
    conditions and languages that a data migration loaded are gone for the next
    one. Reloading them is cheaper and sturdier than serialised rollbacks, whose
    saved rows collide with the content types Django recreates after a flush.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from directory.models import Procedure

    if not Procedure.objects.exists():
        import_module("directory.migrations.0002_catalog").load_catalog(apps, None)


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A Spanish page leaves Spanish active in the test's thread; the next test starts in English."""
    yield
    from django.utils import translation

    translation.activate("en")
