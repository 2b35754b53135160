"""Enrolment is a directory fact: who works where, and which practices receive referrals.

The rules are in docs/workflow.md ("Enrolment").
"""

from __future__ import annotations

from typing import Any

import pytest

from directory.enrolment import EndpointStatus, practice_ids_for_user
from directory.models import Practice
from directory.services import EnrolmentError, practice_enrol, practice_unenrol
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.referrals.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_enrolling_a_practice_with_no_staff_and_no_channel_names_both_and_saves_nothing() -> None:
    practice = PracticeFactory.create(name="Quiet Valley IR")
    with pytest.raises(EnrolmentError) as refusal:
        practice_enrol(practice=practice)
    assert set(refusal.value.errors) == {"memberships", "referral_inbox_email"}
    assert str(refusal.value) == (
        "Quiet Valley IR cannot be enrolled: no active staff member works for it; "
        "no working delivery channel (a referral inbox address or an active FHIR endpoint)."
    )
    practice.refresh_from_db()
    assert practice.enrolled_at is None


def test_a_staff_member_who_left_does_not_count_and_an_endpoint_in_error_is_no_channel() -> None:
    practice = PracticeFactory.create(
        fhir_base_url="https://fhir.example/r4", fhir_endpoint_status=EndpointStatus.ERROR
    )
    StaffFactory.create(practice=practice, is_active=False)
    with pytest.raises(EnrolmentError) as refusal:
        practice_enrol(practice=practice)
    assert set(refusal.value.errors) == {"memberships", "referral_inbox_email"}


def test_an_active_fhir_endpoint_is_a_working_channel() -> None:
    practice = PracticeFactory.create(
        fhir_base_url="https://fhir.example/r4", fhir_endpoint_status=EndpointStatus.ACTIVE
    )
    StaffFactory.create(practice=practice)
    assert practice_enrol(practice=practice).enrolled_at is not None
    assert list(Practice.objects.receiving_referrals()) == [practice]


def test_a_practice_receives_referrals_only_while_staffed_reachable_accepting_and_enrolled() -> None:
    practice = PracticeFactory.create(referral_inbox_email="desk@lakeside.example")
    staff = StaffFactory.create(practice=practice)
    practice_enrol(practice=practice)
    assert Practice.objects.receiving_referrals().filter(pk=practice.pk).exists()

    staff.is_active = False
    staff.save()
    assert not Practice.objects.receiving_referrals().filter(pk=practice.pk).exists()
    staff.is_active = True
    staff.save()
    Practice.objects.filter(pk=practice.pk).update(referral_inbox_email="")
    assert not Practice.objects.receiving_referrals().filter(pk=practice.pk).exists()
    Practice.objects.filter(pk=practice.pk).update(referral_inbox_email="desk@lakeside.example")
    assert practice_unenrol(practice=practice) is True
    assert not Practice.objects.receiving_referrals().filter(pk=practice.pk).exists()
    assert practice_unenrol(practice=practice) is False


def test_a_practice_that_is_not_enrolled_stays_in_the_public_directory(api_client: Any) -> None:
    practice = PracticeFactory.create(name="Quiet Valley IR")
    location = PracticeLocationFactory.create(practice=practice, postal_code="80202")
    ProviderFactory.create(locations=[location], last_name="Quietly")
    response = api_client.get("/api/v1/providers/", {"near": "80202"})
    assert [item["name"].split()[-1] for item in response.json()["results"]] == ["Quietly"]


def test_which_practices_a_user_works_for_is_their_memberships_and_nothing_for_anyone_else() -> None:
    lakeside, summit = PracticeFactory.create(), PracticeFactory.create()
    staff = StaffFactory.create(practice=lakeside)
    staff.practice_memberships.create(practice=summit)
    assert practice_ids_for_user(staff) == {lakeside.pk, summit.pk}
    assert practice_ids_for_user(UserFactory.create()) == frozenset()
