"""API tokens expire after a configurable time unused, and the 401 says so."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals.models import ApiTokenUse
from tests.referrals.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def token() -> Token:
    return Token.objects.create(user=UserFactory.create(username="dr.adams"))


def list_referrals(token: Token) -> Any:
    return APIClient().get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Token {token.key}")


def last_used(token: Token, *, days_ago: float) -> None:
    ApiTokenUse.objects.update_or_create(
        token=token, defaults={"last_used_at": timezone.now() - datetime.timedelta(days=days_ago)}
    )


def test_a_new_token_works(token: Token) -> None:
    assert list_referrals(token).status_code == 200


def test_a_token_unused_for_thirty_one_days_is_refused_with_a_401_that_says_so(token: Token) -> None:
    last_used(token, days_ago=31)

    response = list_referrals(token)

    assert response.status_code == 401
    assert response.json()["detail"].startswith("This API token has expired: it was not used for 30 days.")
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_never_used_expires_thirty_days_after_it_was_made(token: Token) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=31))

    assert list_referrals(token).status_code == 401


def test_each_use_pushes_the_expiry_forward(token: Token) -> None:
    last_used(token, days_ago=29)

    assert list_referrals(token).status_code == 200
    assert ApiTokenUse.objects.get(token=token).last_used_at > timezone.now() - datetime.timedelta(minutes=1)


def test_the_idle_limit_is_configurable(token: Token, settings: Any) -> None:
    settings.API_TOKEN_IDLE_DAYS = 7
    last_used(token, days_ago=8)

    response = list_referrals(token)

    assert response.status_code == 401
    assert "not used for 7 days" in response.json()["detail"]


def test_a_revoked_token_is_refused_with_a_401_that_says_so_not_a_403(token: Token) -> None:
    key = token.key
    token.delete()

    response = APIClient().get("/api/v1/referrals/", HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "revoked" in response.json()["detail"]


def test_the_token_of_a_closed_account_is_refused_with_a_401(token: Token) -> None:
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])

    response = list_referrals(token)

    assert response.status_code == 401
    assert "account was closed" in response.json()["detail"]
