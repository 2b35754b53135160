"""The shared cache's settings: a cache that cannot be reached slows nothing and breaks nothing.

The contract is in docs/resilience.md (Faults).
"""

from __future__ import annotations

from typing import Any

import environ

# How long a request waits for the cache before going on without it, in seconds.
CACHE_TIMEOUT_SECONDS = 0.25


def cache_settings(url: str) -> dict[str, Any]:
    """Django's CACHES entry for ``url`` (django-environ's cache URL forms).

    On Redis (django-redis) an unreachable server is logged and ignored: a read finds
    nothing, a write keeps nothing, and the public rate limits let the request through
    (``RATELIMIT_FAIL_OPEN``) instead of answering 500.
    """
    config: dict[str, Any] = environ.Env.cache_url_config(url)
    if config["BACKEND"] == "django_redis.cache.RedisCache":
        config.setdefault("OPTIONS", {}).update(
            IGNORE_EXCEPTIONS=True,
            SOCKET_CONNECT_TIMEOUT=CACHE_TIMEOUT_SECONDS,
            SOCKET_TIMEOUT=CACHE_TIMEOUT_SECONDS,
        )
    return config
