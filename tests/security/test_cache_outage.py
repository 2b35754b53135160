"""With the shared cache (Redis) stopped, public pages and APIs still answer; rate limits fail open."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from portal.caching import cache_settings
from tests.services.conftest import RedisServer, free_port
from tests.triage.factories import answers_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[RedisServer]:
    """The portal's cache on a redis-server of the test's own, started here and stopped at the end."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer(port=free_port())
    server.start()
    settings.CACHES = {"default": cache_settings(server.url)}
    settings.PUBLIC_RATE_LIMITS = {"search": "2/m", "self_check": "2/m", "listing_report": "1/h"}
    try:
        yield server
    finally:
        caches["default"].close()
        server.stop()


def test_the_rate_limit_counts_in_redis_while_it_runs(
    client: Client, redis_cache: RedisServer, provider: Any
) -> None:
    codes = [client.get("/api/v1/providers/", {"near": "80202"}).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert client.get("/health/").json()["cache"] == "ok"


def test_with_redis_stopped_the_finder_and_its_api_answer_without_limits(
    client: Client, redis_cache: RedisServer, provider: Any, caplog: pytest.LogCaptureFixture
) -> None:
    redis_cache.stop()

    with caplog.at_level(logging.ERROR):
        pages = [client.get("/find/", {"near": "80202"}).status_code for _ in range(3)]
        apis = [client.get("/api/v1/providers/", {"near": "80202"}).status_code for _ in range(3)]

    assert pages == [200, 200, 200]
    assert apis == [200, 200, 200]
    assert any("ignored" in record.getMessage() for record in caplog.records)


def test_with_redis_stopped_the_self_check_api_still_answers(
    client: Client, redis_cache: RedisServer
) -> None:
    redis_cache.stop()
    body = {"age": 54, "pain_duration_weeks": 3, "answers": answers_with()}

    response = client.post("/api/v1/triage/assessments/", body, content_type="application/json")

    assert response.status_code in (200, 201)
    assert response.json()["disposition"] == "self_care"


def test_health_reports_the_cache_down_and_stays_up(client: Client, redis_cache: RedisServer) -> None:
    redis_cache.stop()

    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json()["cache"] == "down"
