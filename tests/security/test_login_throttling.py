"""Guessing passwords: a username is locked from an address after a few failed logins, for a cool-off."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.referrals.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "tidal-quartz-lantern-81"
LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def staff_member(settings: Any) -> Any:
    # A fast hasher: these tests check the lock, not the hashing, and try many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory.create(username="staff.lakeside", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client: Client, path: str, password: str, address: str = "203.0.113.7") -> Any:
    return client.post(path, {"username": "staff.lakeside", "password": password}, REMOTE_ADDR=address)


def is_signed_in(client: Client) -> bool:
    return client.get("/api/v1/referrals/").status_code == 200


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_a_correct_password_signs_in(client: Client, staff_member: Any, path: str) -> None:
    assert log_in(client, path, PASSWORD).status_code == 302
    assert is_signed_in(client)


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_the_fifth_wrong_password_locks_the_login_with_a_429(
    client: Client, staff_member: Any, path: str
) -> None:
    statuses = [log_in(client, path, "wrong").status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 200, 429]


@pytest.mark.parametrize("path", LOGIN_PAGES)
def test_a_locked_login_refuses_even_the_right_password(client: Client, staff_member: Any, path: str) -> None:
    for _ in range(5):
        log_in(client, path, "wrong")

    response = log_in(client, path, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed log in attempts" in response.content.decode()
    assert not is_signed_in(client)


def test_the_lock_on_one_page_holds_on_the_other(client: Client, staff_member: Any) -> None:
    for _ in range(5):
        log_in(client, "/accounts/login/", "wrong")

    assert log_in(client, "/admin/login/", PASSWORD).status_code == 429


def test_the_same_username_from_another_address_is_not_locked(client: Client, staff_member: Any) -> None:
    for _ in range(5):
        log_in(client, "/accounts/login/", "wrong", address="203.0.113.7")

    assert log_in(client, "/accounts/login/", PASSWORD, address="198.51.100.20").status_code == 302
    assert is_signed_in(client)


def test_the_lock_lifts_after_the_cool_off(client: Client, staff_member: Any, settings: Any) -> None:
    for _ in range(5):
        log_in(client, "/accounts/login/", "wrong")
    cool_off = datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= cool_off + datetime.timedelta(minutes=1)
        attempt.save()

    assert log_in(client, "/accounts/login/", PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_failed_logins_below_the_limit_are_forgotten_after_a_success(
    client: Client, staff_member: Any
) -> None:
    for _ in range(4):
        log_in(client, "/accounts/login/", "wrong")
    log_in(client, "/accounts/login/", PASSWORD)
    client.logout()

    statuses = [log_in(client, "/accounts/login/", "wrong").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


def test_behind_a_proxy_the_lock_holds_per_client_address_not_per_proxy(
    client: Client, staff_member: Any, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1

    def through_proxy(password: str, address: str) -> Any:
        return client.post(
            "/accounts/login/",
            {"username": "staff.lakeside", "password": password},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=address,
        )

    statuses = [through_proxy("wrong", "203.0.113.7").status_code for _ in range(5)]

    assert statuses[-1] == 429
    assert through_proxy(PASSWORD, "198.51.100.20").status_code == 302
    assert is_signed_in(client)
