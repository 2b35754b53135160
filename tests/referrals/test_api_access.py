"""The access matrix: every role against every referral it must not reach gets a 404, never a hint."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from referrals import services
from referrals.models import AuditLogEntry, Referral
from referrals.roles import staff_group
from tests.directory.factories import PracticeFactory
from tests.referrals.factories import ReferralFactory, StaffFactory, UserFactory
from tests.referrals.test_api_submit import body as submission_body

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "clinician_a", "clinician_b", "staff_1", "staff_2", "superuser"]


@pytest.fixture
def world() -> dict[str, Any]:
    """Two clinicians referring to two practices: one referral per (clinician, practice) pair."""
    practice_1, practice_2 = PracticeFactory.create(), PracticeFactory.create()
    people = {
        "anonymous": None,
        "clinician_a": UserFactory.create(),
        "clinician_b": UserFactory.create(),
        "staff_1": StaffFactory.create(practice=practice_1),
        "staff_2": StaffFactory.create(practice=practice_2),
        "superuser": UserFactory.create(is_superuser=True, is_staff=True),
    }
    referrals = {
        f"{who}@{where}": ReferralFactory.create(clinician=people[who], practice=practice)
        for who in ("clinician_a", "clinician_b")
        for where, practice in (("practice_1", practice_1), ("practice_2", practice_2))
    }
    return {"people": people, "referrals": referrals}


# Which referrals each role must NOT reach (who@where).
FORBIDDEN = {
    "anonymous": ["clinician_a@practice_1", "clinician_a@practice_2", "clinician_b@practice_1"],
    "clinician_a": ["clinician_b@practice_1", "clinician_b@practice_2"],
    "clinician_b": ["clinician_a@practice_1", "clinician_a@practice_2"],
    "staff_1": ["clinician_a@practice_2", "clinician_b@practice_2"],
    "staff_2": ["clinician_a@practice_1", "clinician_b@practice_1"],
    "superuser": [],
}
CASES = [(role, target) for role, targets in FORBIDDEN.items() for target in targets]
ENDPOINTS = [
    ("get", "/api/v1/referrals/{id}/"),
    ("get", "/api/v1/referrals/{id}/actions/"),
    ("post", "/api/v1/referrals/{id}/actions/accept/"),
    ("post", "/api/v1/referrals/{id}/actions/cancel/"),
]


def client_for(user: Any) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(("role", "target"), CASES)
def test_a_referral_out_of_reach_is_a_404_everywhere(
    world: dict[str, Any], role: str, target: str, method: str, path: str
) -> None:
    referral: Referral = world["referrals"][target]
    api = client_for(world["people"][role])
    body = {"reason": "Trying my luck"} if path.endswith("cancel/") else {}
    response = getattr(api, method)(path.format(id=referral.public_id), body, format="json")
    expected = (401, 403) if role == "anonymous" else (404,)
    assert response.status_code in expected, (role, target, response.status_code)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING
    assert not AuditLogEntry.objects.filter(object_id=str(referral.public_id)).exists()


def test_an_unknown_id_looks_exactly_like_someone_elses(world: dict[str, Any]) -> None:
    api = client_for(world["people"]["clinician_a"])
    other = api.get(f"/api/v1/referrals/{world['referrals']['clinician_b@practice_1'].public_id}/")
    missing = api.get("/api/v1/referrals/00000000-0000-4000-8000-000000000000/")
    assert (other.status_code, other.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("clinician_a", {"clinician_a@practice_1", "clinician_a@practice_2"}),
        ("clinician_b", {"clinician_b@practice_1", "clinician_b@practice_2"}),
        ("staff_1", {"clinician_a@practice_1", "clinician_b@practice_1"}),
        ("staff_2", {"clinician_a@practice_2", "clinician_b@practice_2"}),
        (
            "superuser",
            {
                "clinician_a@practice_1",
                "clinician_a@practice_2",
                "clinician_b@practice_1",
                "clinician_b@practice_2",
            },
        ),
    ],
)
def test_the_list_holds_exactly_what_each_role_may_see(
    world: dict[str, Any], role: str, visible: set[str]
) -> None:
    response = client_for(world["people"][role]).get("/api/v1/referrals/")
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    assert ids == {str(world["referrals"][name].public_id) for name in visible}
    assert "no-store" in response["Cache-Control"]


def test_the_referrer_and_the_practice_can_both_read_the_referral(world: dict[str, Any]) -> None:
    referral = world["referrals"]["clinician_a@practice_1"]
    for role in ("clinician_a", "staff_1", "superuser"):
        response = client_for(world["people"][role]).get(f"/api/v1/referrals/{referral.public_id}/")
        assert response.status_code == 200, role
        assert response.json()["patient"]["last_name"] == referral.patient.last_name
    assert AuditLogEntry.objects.filter(object_id=str(referral.public_id), action="read").count() == 3


def test_anonymous_cannot_list_referrals() -> None:
    assert APIClient().get("/api/v1/referrals/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("role", "expected"),
    [("clinician_a", 201), ("staff_1", 403), ("staff_2", 403), ("superuser", 403), ("anonymous", 403)],
)
def test_only_clinicians_submit_referrals(world: dict[str, Any], role: str, expected: int) -> None:
    api = client_for(world["people"][role])
    before = Referral.objects.count()

    response = api.post("/api/v1/referrals/", submission_body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert response.status_code == expected, response.json()
    assert Referral.objects.count() == before + (1 if expected == 201 else 0)


def test_office_staff_are_refused_the_referral_form(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["people"]["staff_1"])

    assert client.get("/referrals/new/").status_code == 403
    assert client.post("/referrals/new/", {}).status_code == 403


# --- Another practice's decline, seen from the next practice ------------------------------

LAKESIDE_COMMENT = "Dr. Lake is away until March; our spine list is full."


@pytest.fixture
def declined_at_lakeside(submit: Any, near_staff: Any, far_staff: Any) -> Referral:
    """Routed to Lakeside (nearest), declined there with a comment, now pending at Summit."""
    referral = submit()
    assert referral.practice.name == "Lakeside Spine and Vascular"
    services.referral_decline(referral=referral, user=near_staff, reason="capacity", comment=LAKESIDE_COMMENT)
    referral.refresh_from_db()
    assert referral.practice.name == "Summit Interventional Radiology"
    return referral


def coordinator() -> Any:
    user = UserFactory.create(username="coordinator")
    user.user_permissions.add(Permission.objects.get(codename="route_referral_by_hand"))
    return user


def test_the_next_practice_sees_the_first_only_as_another_practice(
    declined_at_lakeside: Referral, far_staff: Any
) -> None:
    response = client_for(far_staff).get(f"/api/v1/referrals/{declined_at_lakeside.public_id}/")

    assert response.status_code == 200
    text = response.content.decode()
    assert "Lakeside" not in text
    assert LAKESIDE_COMMENT not in text
    assert "staff.near" not in text
    declined = next(event for event in response.json()["timeline"] if event["kind"] == "declined")
    assert (declined["practice"], declined["reason"], declined["comment"]) == ("another practice", "", "")
    assert all(event["shortlist"] == [] for event in response.json()["timeline"])


@pytest.mark.parametrize("who", ["referrer", "superuser", "coordinator"])
def test_the_referrer_superusers_and_coordinators_still_see_every_practice(
    declined_at_lakeside: Referral, clinician: Any, who: str
) -> None:
    viewer = {
        "referrer": lambda: clinician,
        "superuser": lambda: UserFactory.create(is_superuser=True, is_staff=True),
        "coordinator": coordinator,
    }[who]()
    if who == "coordinator":  # coordinators see the referrals waiting to be routed by hand
        Referral.objects.filter(pk=declined_at_lakeside.pk).update(status=Referral.Status.UNROUTABLE)

    timeline = (
        client_for(viewer).get(f"/api/v1/referrals/{declined_at_lakeside.public_id}/").json()["timeline"]
    )

    declined = next(event for event in timeline if event["kind"] == "declined")
    assert declined["practice"] == "Lakeside Spine and Vascular"
    assert (declined["reason"], declined["comment"]) == ("capacity", LAKESIDE_COMMENT)
    routed = next(event for event in timeline if event["kind"] == "routed")
    assert {entry["practice_name"] for entry in routed["shortlist"]} >= {"Lakeside Spine and Vascular"}


def test_the_next_practice_sees_no_trace_of_the_first_in_the_admin(
    declined_at_lakeside: Referral, far_staff: Any
) -> None:
    far_staff.groups.add(staff_group())
    client = Client()
    client.force_login(far_staff)

    page = client.get(reverse("admin:referrals_referral_change", args=[declined_at_lakeside.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "another practice" in html
    assert "Lakeside" not in html
    assert "our spine list is full" not in html
    assert "staff.near" not in html
