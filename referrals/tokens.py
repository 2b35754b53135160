"""API tokens that stop working after ``API_TOKEN_IDLE_DAYS`` without use.

DRF's tokens never expire on their own; a token left in a script or a clinician's old
laptop would outlive the 15-minute idle logout by years. Each use is recorded (at most
once per ``USE_RECORDED_EVERY``), and a token idle for longer than the limit is refused
with a 401 that says why (docs/resilience.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import APIException

from referrals.models import ApiTokenUse

# Recording every request's use would add a write to each; an hour is plenty against 30 days.
USE_RECORDED_EVERY = datetime.timedelta(hours=1)


class TokenRefused(APIException):
    """A 401 with ``WWW-Authenticate: Token``.

    Not an ``AuthenticationFailed``: DRF turns those into 403s when session authentication
    comes first, and a client must be told plainly that its token, not its rights, is the problem.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "token_refused"
    auth_header = "Token"


REFUSED_KEY_EXPLANATION = (
    "This API token does not work: it was revoked, replaced by a newer one or mistyped, "
    "or its account was closed. Sign in to the portal and create a new token."
)


def token_expired_message() -> str:
    days = settings.API_TOKEN_IDLE_DAYS
    return (
        f"This API token has expired: it was not used for {days} days. "
        "Sign in to the portal and create a new token."
    )


def token_expires_at(token: Token, last_used_at: datetime.datetime | None) -> datetime.datetime:
    """When ``token`` stops working unless it is used before then."""
    return (last_used_at or token.created) + datetime.timedelta(days=settings.API_TOKEN_IDLE_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token has been idle too long."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = Token.objects.select_related("user").filter(key=key, user__is_active=True).first()
        if token is None:
            raise TokenRefused(REFUSED_KEY_EXPLANATION)
        user = token.user
        now = timezone.now()
        last_used = ApiTokenUse.objects.filter(token=token).values_list("last_used_at", flat=True).first()
        if now > token_expires_at(token, last_used):
            raise TokenRefused(token_expired_message())
        if last_used is None or now - last_used > USE_RECORDED_EVERY:
            ApiTokenUse.objects.update_or_create(token=token, defaults={"last_used_at": now})
        return user, token


# --- The signed-in user's own token (the API token page) ------------------------------------


@dataclass(frozen=True)
class TokenState:
    """What the API token page says about a user's token; never its key."""

    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime

    @property
    def has_expired(self) -> bool:
        return timezone.now() > self.expires_at


def api_token_state(user: Any) -> TokenState | None:
    """The user's API token as the page shows it, or None when they have none."""
    token = Token.objects.filter(user=user).select_related("use").first()
    if token is None:
        return None
    use = getattr(token, "use", None)
    last_used_at = use.last_used_at if use else None
    return TokenState(token.created, last_used_at, token_expires_at(token, last_used_at))


@transaction.atomic
def api_token_create(*, user: Any) -> str:
    """A new API token for ``user``, replacing any token they had; returns its key, the only
    time it is handed out."""
    Token.objects.filter(user=user).delete()
    return str(Token.objects.create(user=user).key)


@transaction.atomic
def api_token_revoke(*, user: Any) -> bool:
    """Delete ``user``'s API token so it stops working at once; False if they had none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0
