"""The secret key check: with debug off, the portal does not start on a missing or public key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# The key used when SECRET_KEY is unset: fine for DEBUG runs, tests and management commands
# on a developer's machine; the web and worker processes refuse it with debug off.
DEVELOPMENT_SECRET_KEY = "insecure-local-development-key-change-me-0123456789"  # noqa: S105 (public by design)
MINIMUM_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """What is wrong with ``key`` for production, or None when it will do."""
    if not key or key == DEVELOPMENT_SECRET_KEY:
        return "SECRET_KEY is not set (the built-in development key is public)."
    if key.startswith(("insecure-", "django-insecure-")) or len(key) < MINIMUM_LENGTH:
        return f"SECRET_KEY is a development or short key (under {MINIMUM_LENGTH} characters)."
    return None


def require_real_secret_key() -> None:
    """Raise ``ImproperlyConfigured`` naming SECRET_KEY when debug is off and the key will not do."""
    problem = None if settings.DEBUG else secret_key_problem(settings.SECRET_KEY)
    if problem:
        raise ImproperlyConfigured(
            f"{problem} With DEBUG off the portal needs a secret key of its own: set SECRET_KEY "
            f"to a random string of at least {MINIMUM_LENGTH} characters (or DEBUG=true on a "
            "developer's machine)."
        )


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``check --deploy`` fails (an error, not a warning) on a missing or development key."""
    problem = None if settings.DEBUG else secret_key_problem(settings.SECRET_KEY)
    return (
        [checks.Error(problem, hint="Set SECRET_KEY in the environment.", id="portal.E001")]
        if problem
        else []
    )
