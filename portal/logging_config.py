"""Where the portal's logs go, and the filter that keeps one-time link tokens out of them."""

from __future__ import annotations

from typing import Any


def logging_config(*, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: plain lines on the console at ``level``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "filters": {"redact_link_tokens": {"()": "portal.log_filters.RedactLinkTokens"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": level},
        # The loggers that name a request's path: a one-time link's token is replaced first.
        # (Configuring a logger here drops its own handlers, so the development server's request
        # lines go to the console handler.) No access log is configured for gunicorn.
        "loggers": {
            "django.request": {"filters": ["redact_link_tokens"]},
            "django.security.csrf": {"filters": ["redact_link_tokens"]},
            "django.server": {"filters": ["redact_link_tokens"], "handlers": ["console"], "propagate": False},
        },
    }
