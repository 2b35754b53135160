"""Behind a trusted proxy the client address is the one the proxy adds, not one a client forges."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from portal.middleware import client_address
from tests.referrals.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "tidal-quartz-lantern-81"
PROXY = "10.0.0.2"


@pytest.fixture
def staff_member(settings: Any) -> Any:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory.create(username="staff.lakeside", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client: Client, password: str, forwarded_for: str) -> Any:
    """A login through the one trusted proxy, which appends the address it saw to X-Forwarded-For."""
    return client.post(
        "/accounts/login/",
        {"username": "staff.lakeside", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_forty_wrong_passwords_with_forged_entries_lock_the_attacker(
    client: Client, staff_member: Any
) -> None:
    statuses = [log_in(client, "wrong", f"198.51.100.{n}, 203.0.113.66").status_code for n in range(1, 41)]

    assert statuses[:4] == [200, 200, 200, 200]
    assert set(statuses[4:]) == {429}


def test_entries_forged_as_the_victim_do_not_lock_the_victim_out(client: Client, staff_member: Any) -> None:
    for _ in range(5):
        log_in(client, "wrong", "192.0.2.10, 203.0.113.66")  # the attacker claims the victim's address

    assert log_in(client, PASSWORD, "192.0.2.10").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no trusted proxy: the header is ignored
        (1, "198.51.100.7, 203.0.113.66", "203.0.113.66"),
        (2, "198.51.100.7, 203.0.113.66, 10.0.0.9", "203.0.113.66"),
        (2, "203.0.113.66", "10.0.0.2"),  # too short a chain: the socket address
        (1, "not-an-address", "10.0.0.2"),  # not written by a proxy: the socket address
    ],
)
def test_the_client_is_the_right_most_entry_no_trusted_proxy_added(
    settings: Any, proxies: int, forwarded_for: str, expected: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_address(request) == expected
