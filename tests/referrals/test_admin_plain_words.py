"""The office admin speaks plainly: red flags in words, "No red flags" for a screening that found
none, overdue follow-ups said in words and in a colour that means overdue, one date format."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Appointment, FollowUp, Referral
from referrals.roles import staff_group
from tests.directory.factories import PracticeFactory, PracticeLocationFactory
from tests.referrals.factories import AppointmentFactory, PatientFactory, ReferralFactory, StaffFactory
from tests.triage.factories import AssessmentFactory, answers_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client: Any) -> dict[str, Any]:
    practice = PracticeFactory.create(name="Chicago Interventional Pain & Spine")
    location = PracticeLocationFactory.create(
        practice=practice, city="Chicago", state="IL", postal_code="60611"
    )
    clerk = StaffFactory.create(username="staff.chicago", practice=practice)
    clerk.groups.add(staff_group())
    client.force_login(clerk)
    return {"practice": practice, "location": location, "client": client}


def referral_with(office: dict[str, Any], *flags: str) -> Referral:
    assessment = AssessmentFactory.create(answers=answers_with(*flags), source="referral")
    return ReferralFactory.create(
        practice=office["practice"],
        practice_location=office["location"],
        assessment=assessment,
        disposition=assessment.disposition,
        patient=PatientFactory.create(last_name="Okafor"),
    )


def test_the_referral_page_names_each_red_flag_in_words(office):
    referral = referral_with(office, "leg_weakness")

    html = (
        office["client"].get(reverse("admin:referrals_referral_change", args=[referral.pk])).content.decode()
    )

    assert "<strong>Leg weakness</strong>" in html
    assert "leg_weakness" not in html


def test_a_referral_without_red_flags_reads_no_red_flags_not_self_care(office):
    referral_with(office)

    html = office["client"].get(reverse("admin:referrals_referral_changelist")).content.decode()

    assert "No red flags" in html
    assert "Self-care" not in html


def test_an_overdue_follow_up_says_overdue_in_red_words_not_a_green_tick(office):
    referral = referral_with(office, "leg_weakness")
    visit = AppointmentFactory.create(
        referral=referral,
        status=Appointment.Status.FULFILLED,
        starts_at=timezone.now() - datetime.timedelta(days=30),
    )
    FollowUp.objects.create(
        referral=referral, source_appointment=visit, due_on=timezone.localdate() - datetime.timedelta(days=9)
    )

    html = office["client"].get(reverse("admin:referrals_followup_changelist")).content.decode()

    assert '<strong class="follow-up-overdue">Overdue</strong>' in html
    assert "icon-yes.svg" not in html


def test_the_referral_page_writes_its_times_one_way_with_the_zone(office):
    referral = referral_with(office, "leg_weakness")
    referral.acceptance_deadline = datetime.datetime(2030, 1, 15, 15, 30, tzinfo=datetime.UTC)
    referral.save()

    html = (
        office["client"].get(reverse("admin:referrals_referral_change", args=[referral.pk])).content.decode()
    )

    assert "Tue 15 Jan 2030, 09:30 CST" in html
    assert "a.m." not in html and "p.m." not in html
