"""The login throttle as an authentication backend."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins over HTTP; a no-op for logins without a request.

    Every web login (admin, /accounts/login/, DRF) passes its request and is throttled. Code
    that signs a user in without one (the shell, the test client) has no client address to
    throttle by; axes would raise there, so this backend leaves it to the next backend.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
