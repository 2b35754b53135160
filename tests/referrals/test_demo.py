"""The demo referrals: every status, two offices with their own staff, and safe to run twice."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from directory.demo import seed_directory
from referrals.demo import seed_referrals
from referrals.management.commands.seed_demo import demo_logins_ensure
from referrals.models import PracticeMembership, Referral

pytestmark = pytest.mark.django_db


def test_demo_has_referrals_in_every_status_at_two_offices_and_adds_nothing_the_second_time() -> None:
    seed_directory(providers=400, rng_seed=7)
    demo_logins_ensure()
    first = seed_referrals()
    assert set(first.staff_created) == {"staff.lakeside", "staff.summit"}
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    offices = set(PracticeMembership.objects.values_list("practice_id", flat=True))
    assert len(offices) == 2
    for practice_id in offices:
        statuses = set(Referral.objects.filter(practice_id=practice_id).values_list("status", flat=True))
        assert {"pending", "accepted", "scheduled", "in_treatment", "completed", "cancelled"} <= statuses
    count = Referral.objects.count()
    assert seed_referrals().created == []
    assert Referral.objects.count() == count


def test_the_demo_shows_metrics_and_its_patient_link_records_an_outcome_everyone_sees(client: Client) -> None:
    seed_directory(providers=400, rng_seed=7)
    demo_logins_ensure()
    link = seed_referrals().outcome_link
    users = get_user_model().objects
    staff, doctor = Client(), Client()
    staff.force_login(users.get(username="staff.lakeside"))
    doctor.force_login(users.get(username="dr.adams"))
    before = staff.get("/admin/referrals/loopmetrics/").content.decode()

    path = urlsplit(link).path
    assert client.post(path, {"pain_score": "1", "global_impression": "much_better"}).status_code == 200
    referral = Referral.objects.get(idempotency_key="demo-staff.lakeside-completed")
    after = staff.get("/admin/referrals/loopmetrics/").content.decode()

    assert before.count('role="img"') == 3  # closure, time to accept, outcomes: all drawn
    assert "Referrals received</th><td>6" in before  # 60 of a year's history and the demo stories
    assert "Much better" in staff.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    assert "Much better" in doctor.get(f"/referrals/{referral.public_id}/").content.decode()
    assert "How my referrals are doing" in doctor.get("/referrals/").content.decode()
    assert 'role="img"' in doctor.get("/referrals/metrics/").content.decode()
    assert before != after  # the answer counts in the outcome figures
    assert seed_referrals().outcome_link == ""  # used: the demo does not make another
