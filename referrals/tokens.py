"""API tokens that stop working after ``API_TOKEN_IDLE_DAYS`` without use.

DRF's tokens never expire on their own; a token left in a script or a clinician's old
laptop would outlive the 15-minute idle logout by years. Each use is recorded (at most
once per ``USE_RECORDED_EVERY``), and a token idle for longer than the limit is refused
with a 401 that says why (docs/resilience.md).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import APIException

from referrals.models import ApiTokenUse

# Recording every request's use would add a write to each; an hour is plenty against 30 days.
USE_RECORDED_EVERY = datetime.timedelta(hours=1)


class TokenExpired(APIException):
    """A 401 with ``WWW-Authenticate: Token``.

    Not an ``AuthenticationFailed``: DRF turns those into 403s when session authentication
    comes first, and a client must be told plainly that its token, not its rights, is the problem.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "token_expired"
    auth_header = "Token"


def token_expired_message() -> str:
    days = settings.API_TOKEN_IDLE_DAYS
    return (
        f"This API token has expired: it was not used for {days} days. "
        "Sign in to the portal and create a new token."
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token has been idle too long."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        now = timezone.now()
        last_used = ApiTokenUse.objects.filter(token=token).values_list("last_used_at", flat=True).first()
        idle = now - (last_used or token.created)
        if idle > datetime.timedelta(days=settings.API_TOKEN_IDLE_DAYS):
            raise TokenExpired(token_expired_message())
        if last_used is None or idle > USE_RECORDED_EVERY:
            ApiTokenUse.objects.update_or_create(token=token, defaults={"last_used_at": now})
        return user, token
