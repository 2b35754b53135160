"""A submission whose answer cannot be built commits nothing; a reload after an error refers once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient

from referrals.models import Referral
from tests.referrals.test_api_submit import body
from tests.referrals.test_pages import NEW, form_data

pytestmark = pytest.mark.django_db


def fails_once(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """``target`` raises a lost-connection error the first time it is called, then works."""
    module, name = target.rsplit(".", 1)
    real = getattr(__import__(module, fromlist=[name]), name)
    calls = [0]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, flaky)


def test_a_failure_building_the_api_answer_commits_nothing_and_the_retry_refers_once(
    clinician: Any, near_staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fails_once(monkeypatch, "referrals.serializers.referral_latest_shortlist")
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(clinician)

    failed = api.post("/api/v1/referrals/", body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    committed_after_failure = Referral.objects.count()
    retried = api.post("/api/v1/referrals/", body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert failed.status_code == 500
    assert failed.json()["detail"].startswith("The server failed to answer")
    assert committed_after_failure == 0
    assert retried.status_code == 201
    assert retried.json()["practice"]["name"] == "Lakeside Spine and Vascular"
    assert Referral.objects.count() == 1


def test_reloading_the_form_after_an_error_past_the_commit_makes_no_second_referral(
    clinician: Any, near_staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fails_once(monkeypatch, "referrals.views.redirect")  # the answer fails after the commit
    browser = Client(raise_request_exception=False)
    browser.force_login(clinician)

    failed = browser.post(NEW, form_data())
    reloaded = browser.post(NEW, form_data())  # the browser sends the same form again

    assert failed.status_code == 500
    assert reloaded.status_code == 302
    referral = Referral.objects.get()
    assert reloaded["Location"].endswith(f"/referrals/{referral.public_id}/")
