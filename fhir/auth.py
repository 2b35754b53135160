"""Who is calling the FHIR referral exchange: an OAuth 2.0 bearer token resolved to a portal user.

A client registered for a clinician acts as that clinician; one registered for a practice
acts as the practice's system user, an active staff member of it (``fhir.clients``). Every
access rule of the pages and ``/api/v1/`` then applies unchanged (docs/fhir-referrals.md).
The public directory under ``/fhir/`` never asks for a token.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from oauth2_provider.oauth2_backends import get_oauthlib_core

READ_SCOPE = "system/*.read"
WRITE_SCOPE = "system/*.write"


class AuthError(Exception):
    """The caller is not let in: 401 (no usable token) or 403 (the token lacks the scope)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def www_authenticate(self) -> str:
        error = "insufficient_scope" if self.status == 403 else "invalid_token"
        return f'Bearer realm="fhir", error="{error}"'


def fhir_user(request: HttpRequest, *, scope: str = READ_SCOPE) -> Any:
    """The active user the request's bearer token acts as; raises ``AuthError`` otherwise.

    No token, an unknown, expired or revoked one (its client deleted in the admin or with
    ``fhir_client revoke``) is a 401; a token whose scopes do not cover ``scope`` a 403.
    """
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        raise AuthError(
            "send an OAuth 2.0 bearer token (Authorization: Bearer <token>) from POST /o/token/.", status=401
        )
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    # A client-credentials token belongs to its client; the client acts as its user.
    application = getattr(token, "application", None)
    user = getattr(application, "user", None)
    if token is None or user is None or not user.is_active:
        raise AuthError("the access token is unknown, expired or revoked; get a new one.", status=401)
    if not token.allow_scopes([scope]):
        raise AuthError(f"the access token does not carry the scope {scope}.", status=403)
    return user
