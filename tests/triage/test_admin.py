"""Stored assessments in the admin: superusers may look, nobody may change the record."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.triage.factories import AssessmentFactory, answers_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client: Client) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def test_a_superuser_sees_the_list_of_assessments(superuser_client: Client) -> None:
    AssessmentFactory.create(answers=answers_with("saddle_numbness"))

    response = superuser_client.get("/admin/triage/assessment/")

    assert response.status_code == 200
    assert "Emergency: now" in response.content.decode()


def test_nobody_can_add_change_or_delete_an_assessment(superuser_client: Client) -> None:
    assessment = AssessmentFactory.create()

    assert superuser_client.get("/admin/triage/assessment/add/").status_code == 403
    assert superuser_client.get(f"/admin/triage/assessment/{assessment.pk}/delete/").status_code == 403
    detail = superuser_client.post(f"/admin/triage/assessment/{assessment.pk}/change/", {"age_band": "80+"})
    assessment.refresh_from_db()
    assert detail.status_code == 403
    assert assessment.age_band == "40-49"


def test_office_staff_who_are_not_superusers_cannot_see_assessments(client: Client) -> None:
    staff = get_user_model().objects.create_user("office", password="a-long-password-1", is_staff=True)
    client.force_login(staff)

    assert client.get("/admin/triage/assessment/").status_code == 403
