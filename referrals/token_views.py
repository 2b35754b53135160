"""The API token page: a signed-in user makes a token for the JSON API, sees when it was last
used and when it expires, and revokes it. The key is shown once, in the answer that made it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from referrals.tokens import api_token_create, api_token_revoke, api_token_state

TEMPLATE = "referrals/api_token.html"


def _page(request: HttpRequest, *, new_key: str | None = None) -> HttpResponse:
    context = {
        "token": api_token_state(request.user),
        "new_key": new_key,
        "idle_days": settings.API_TOKEN_IDLE_DAYS,
        "api_url": request.build_absolute_uri("/api/v1/referrals/"),
    }
    return render(request, TEMPLATE, context)


@never_cache
@login_required
@require_GET
def api_token(request: HttpRequest) -> HttpResponse:
    return _page(request)


@never_cache
@login_required
@require_POST
def api_token_new(request: HttpRequest) -> HttpResponse:
    # Answered here rather than redirected: the key must not be kept anywhere to show it again.
    return _page(request, new_key=api_token_create(user=request.user))


@never_cache
@login_required
@require_POST
def api_token_delete(request: HttpRequest) -> HttpResponse:
    if api_token_revoke(user=request.user):
        messages.success(request, "Your API token is revoked: it no longer works.")
    return redirect("referrals:api_token")
