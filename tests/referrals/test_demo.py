"""The demo referrals: every status, two offices with their own staff, and safe to run twice."""

from __future__ import annotations

import pytest

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
