"""The demo referrals: five enrolled offices named after their logins, every status, safe to run twice."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from demo.directory_data import seed_directory
from demo.management.commands.seed_demo import demo_logins_ensure
from demo.referral_data import seed_referrals
from directory.models import Practice, PracticeMembership
from referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db

OFFICE_LOGINS = {"staff.lakeside", "staff.summit", "staff.bayview", "staff.harbor", "staff.northshore"}


@pytest.fixture
def demo() -> Any:
    seed_directory(providers=400, rng_seed=7)
    demo_logins_ensure()
    return seed_referrals()


def test_demo_enrols_a_handful_of_offices_each_staffed_by_the_login_named_after_it(demo: Any) -> None:
    assert set(demo.staff_created) == {*OFFICE_LOGINS, "coordinator"}
    enrolled = Practice.objects.receiving_referrals()
    assert enrolled.count() == len(OFFICE_LOGINS)
    assert Practice.objects.count() > 10 * enrolled.count()  # most of the directory is not enrolled
    for membership in PracticeMembership.objects.select_related("user", "practice"):
        prefix = membership.user.username.removeprefix("staff.")
        assert membership.practice.name.lower().startswith(prefix)
        assert membership.practice in enrolled


def test_demo_referrals_reach_every_status_and_only_enrolled_practices(demo: Any) -> None:
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    enrolled = set(Practice.objects.receiving_referrals().values_list("pk", flat=True))
    routed_to = set(ReferralEvent.objects.filter(kind="routed").values_list("practice_id", flat=True)) | set(
        Referral.objects.exclude(practice=None).values_list("practice_id", flat=True)
    )
    assert routed_to <= enrolled
    for name in ("Lakeside", "Summit"):
        statuses = set(
            Referral.objects.filter(practice__name__startswith=name).values_list("status", flat=True)
        )
        assert {"pending", "accepted", "scheduled", "in_treatment", "completed", "cancelled"} <= statuses


def test_a_chicago_referral_reaches_the_enrolled_lakeside_office(demo: Any, submit: Any) -> None:
    referral = submit(patient_data={**_patient(), "postal_code": "60626"})
    assert referral.status == Referral.Status.PENDING
    assert referral.practice is not None and referral.practice.name.startswith("Lakeside")


def test_a_second_demo_run_adds_nothing(demo: Any) -> None:
    count = Referral.objects.count()
    again = seed_referrals()
    assert again.created == [] and again.staff_created == []
    assert Referral.objects.count() == count


def _patient() -> dict[str, Any]:
    from tests.referrals.conftest import referral_request

    return dict(referral_request()["patient_data"])


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
