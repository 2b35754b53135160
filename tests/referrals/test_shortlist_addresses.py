"""Two practices can share a name: the routing shortlist tells them apart by address, on the
clinician's page and in the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from directory.models import Practice
from referrals.models import Referral
from tests.referrals.conftest import practice_km_north
from tests.referrals.test_api_submit import body as json_body

pytestmark = pytest.mark.django_db

NAME = "Chicago Interventional Pain & Spine"


@pytest.fixture
def namesakes() -> list[Practice]:
    return [
        practice_km_north(5, name=NAME),
        practice_km_north(9, name=NAME),
    ]


def addresses(practices: list[Practice]) -> list[str]:
    return [str(practice.locations.get()) for practice in practices]


def test_the_clinicians_page_shows_each_candidates_address(
    client: Any, clinician: Any, submit: Any, namesakes: list[Practice]
) -> None:
    referral: Referral = submit()
    client.force_login(clinician)

    html = client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id})).content.decode()

    shortlist = html[html.index('class="shortlist') :]
    first, second = addresses(namesakes)
    assert first != second
    assert shortlist.index(first) < shortlist.index(second)


def test_the_api_gives_each_candidate_its_address_in_the_answer_and_the_timeline(
    clinician: Any, submit: Any, namesakes: list[Practice]
) -> None:
    referral: Referral = submit()
    api = APIClient()
    api.force_authenticate(clinician)

    detail = api.get(f"/api/v1/referrals/{referral.public_id}/").json()
    submitted = api.post(
        "/api/v1/referrals/", json_body(), format="json", HTTP_IDEMPOTENCY_KEY="namesakes"
    ).json()

    assert [entry["address"] for entry in submitted["shortlist"]] == addresses(namesakes)
    (routed,) = [event for event in detail["timeline"] if event["kind"] == "routed"]
    assert [entry["address"] for entry in routed["shortlist"]] == addresses(namesakes)
