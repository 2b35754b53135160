"""Signed-in sessions end after 15 minutes idle; weak passwords are refused."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

IDLE_LIMIT = datetime.timedelta(minutes=15)


def session_row(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def idle_for(client: Client, idle: datetime.timedelta) -> None:
    """Make the session look as if its last request was ``idle`` ago."""
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + IDLE_LIMIT - idle
    )


@pytest.mark.parametrize("user_fixture", ["clinician", "office_staff"])
def test_a_session_idle_for_16_minutes_is_signed_out(
    client: Client, request: pytest.FixtureRequest, user_fixture: str
) -> None:
    client.force_login(request.getfixturevalue(user_fixture))
    idle_for(client, datetime.timedelta(minutes=16))

    assert client.get("/api/v1/referrals/").status_code == 403
    assert client.get("/admin/").status_code == 302


def test_a_session_idle_for_14_minutes_is_still_signed_in(client: Client, office_staff: Any) -> None:
    client.force_login(office_staff)
    idle_for(client, datetime.timedelta(minutes=14))

    assert client.get("/admin/").status_code == 200


def test_every_request_restarts_the_15_minutes(client: Client, clinician: Any) -> None:
    client.force_login(clinician)
    idle_for(client, datetime.timedelta(minutes=10))

    client.get("/api/v1/referrals/")

    left = session_row(client).expire_date - timezone.now()
    assert IDLE_LIMIT - datetime.timedelta(seconds=30) < left <= IDLE_LIMIT


def test_the_session_cookie_ends_with_the_browser(client: Client, clinician: Any) -> None:
    client.force_login(clinician)
    response = client.get("/api/v1/referrals/")

    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""
    assert cookie["httponly"]


@pytest.mark.parametrize(
    ("password", "complaint"),
    [
        ("password", "too common"),
        ("12345678901", "entirely numeric"),
        ("x7#Kq", "too short"),
        ("staff.lakeside1", "too similar"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(office_staff: Any, password: str, complaint: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=office_staff)

    assert any(complaint in message for message in refused.value.messages)


def test_the_password_form_keeps_the_old_password_when_the_new_one_is_weak(office_staff: Any) -> None:
    office_staff.set_password("tidal-quartz-lantern-81")
    office_staff.save()
    form = SetPasswordForm(office_staff, {"new_password1": "password", "new_password2": "password"})

    assert not form.is_valid()
    assert "This password is too common." in form.errors["new_password2"]
    office_staff.refresh_from_db()
    assert office_staff.check_password("tidal-quartz-lantern-81")


def test_a_strong_password_is_accepted_by_the_password_form(office_staff: Any) -> None:
    data = {"new_password1": "tidal-quartz-lantern-81", "new_password2": "tidal-quartz-lantern-81"}
    form = SetPasswordForm(office_staff, data)

    assert form.is_valid(), form.errors
    form.save()
    office_staff.refresh_from_db()
    assert office_staff.check_password("tidal-quartz-lantern-81")
