"""The IR office admin: each office sees and works its own referrals only, through the services."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from geopy.distance import geodesic

from directory.geo import resolve_place
from directory.models import ListingReport, Provider
from referrals.models import Appointment, AuditLogEntry, FollowUp, Referral, ReferralEvent
from referrals.roles import staff_group
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.referrals.factories import (
    AppointmentFactory,
    PatientFactory,
    ReferralFactory,
    StaffFactory,
    UserFactory,
    enrolled,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:referrals_referral_changelist")
LAKESIDE = "Lakeside Spine and Vascular"
SUMMIT = "Summit Interventional Radiology"


def change_url(referral: Referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


@pytest.fixture
def scene() -> dict[str, Any]:
    """Two offices, a referral and a provider at each, their staff, a clinician and a superuser."""
    lakeside, summit = PracticeFactory.create(name=LAKESIDE), PracticeFactory.create(name=SUMMIT)
    for practice, surname in ((lakeside, "Lakeview"), (summit, "Summitson")):
        location = PracticeLocationFactory.create(practice=practice, city=f"{surname}ville")
        ProviderFactory.create(locations=[location], last_name=surname)
    people = {
        "lakeside_staff": StaffFactory.create(username="staff.lakeside", practice=lakeside),
        "summit_staff": StaffFactory.create(username="staff.summit", practice=summit),
        "clinician": UserFactory.create(username="dr.adams"),
        "superuser": UserFactory.create(username="root", is_staff=True, is_superuser=True),
    }
    group = staff_group()
    for role in ("lakeside_staff", "summit_staff"):
        people[role].groups.add(group)
    return {
        **people,
        "lakeside": lakeside,
        "summit": summit,
        "lakeside_referral": ReferralFactory.create(
            practice=lakeside,
            clinician=people["clinician"],
            patient=PatientFactory.create(last_name="Okafor"),
        ),
        "summit_referral": ReferralFactory.create(
            practice=summit, clinician=people["clinician"], patient=PatientFactory.create(last_name="Nguyen")
        ),
    }


def signed_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


# --- Who reaches what ----------------------------------------------------------------------------

ACCESS_MATRIX = [
    # role, whose referral, expected status of its change view
    ("lakeside_staff", "lakeside_referral", 200),
    ("lakeside_staff", "summit_referral", 404),
    ("summit_staff", "lakeside_referral", 404),
    ("summit_staff", "summit_referral", 200),
    ("clinician", "lakeside_referral", 302),  # not staff: sent to the admin login
    ("superuser", "lakeside_referral", 200),
    ("superuser", "summit_referral", 200),
]


@pytest.mark.parametrize(("role", "referral", "expected"), ACCESS_MATRIX)
def test_referral_change_view_access_matrix(client, scene, role, referral, expected):
    response = signed_in(client, scene[role]).get(change_url(scene[referral]))

    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "sees", "does_not_see"),
    [
        ("lakeside_staff", ["Okafor"], ["Nguyen"]),
        ("summit_staff", ["Nguyen"], ["Okafor"]),
        ("superuser", ["Okafor", "Nguyen"], []),
    ],
)
def test_referral_changelist_lists_only_the_offices_own_patients(client, scene, role, sees, does_not_see):
    html = signed_in(client, scene[role]).get(CHANGELIST).content.decode()

    for name in sees:
        assert name in html
    for name in does_not_see:
        assert name not in html


@pytest.mark.parametrize("view", ["history", "delete"])
def test_another_offices_referral_history_and_delete_pages_are_404s(client, scene, view):
    url = reverse(f"admin:referrals_referral_{view}", args=[scene["summit_referral"].pk])

    response = signed_in(client, scene["lakeside_staff"]).get(url)

    assert response.status_code == 404
    assert "Nguyen" not in response.content.decode()


def test_a_clinician_is_sent_to_the_admin_login(client, scene):
    response = signed_in(client, scene["clinician"]).get(CHANGELIST)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_a_practice_see_no_referrals_at_all(client, scene):
    drifter = UserFactory.create(username="staff.nowhere", is_staff=True)
    drifter.groups.add(staff_group())

    response = signed_in(client, drifter).get(CHANGELIST)

    assert response.status_code == 403


OFFICE_PAGES = [
    # page, something of the office's own that it must show
    (CHANGELIST, "Okafor"),
    (reverse("admin:referrals_followup_changelist"), "Follow-ups due"),
    (reverse("admin:directory_practice_changelist"), LAKESIDE),
    (reverse("admin:directory_practicelocation_changelist"), "Lakeviewville"),
    (reverse("admin:directory_provider_changelist"), "Lakeview"),
    (reverse("admin:directory_listingreport_changelist"), "Lakeview"),
    (reverse("admin:index"), "Referrals"),
]


@pytest.mark.parametrize(("url", "own"), OFFICE_PAGES)
def test_no_other_offices_name_appears_on_an_office_page(client, scene, url, own):
    for provider in Provider.objects.all():
        ListingReport.objects.create(provider=provider, location=provider.locations.get(), problem="phone")

    html = signed_in(client, scene["lakeside_staff"]).get(url).content.decode()

    assert own in html
    assert SUMMIT not in html
    assert "Summitson" not in html


def test_the_practice_filter_offers_a_superuser_every_practice(client, scene):
    html = signed_in(client, scene["superuser"]).get(CHANGELIST).content.decode()

    assert LAKESIDE in html
    assert SUMMIT in html


def test_a_two_office_staff_member_filters_by_their_own_practices_only(client, scene):
    staff = scene["lakeside_staff"]
    second = PracticeFactory.create(name="Second Office")
    staff.practice_memberships.create(practice=second)
    ReferralFactory.create(practice=second)

    html = signed_in(client, staff).get(CHANGELIST).content.decode()

    assert "Second Office" in html
    assert SUMMIT not in html


def test_the_referral_page_shows_no_other_offices_providers_or_locations(client, scene):
    html = (
        signed_in(client, scene["lakeside_staff"])
        .get(change_url(scene["lakeside_referral"]))
        .content.decode()
    )

    assert "Okafor" in html
    assert SUMMIT not in html
    assert "Summitson" not in html


@pytest.mark.parametrize("field_name", ["provider", "location"])
def test_visit_autocomplete_offers_only_the_offices_own_providers_and_locations(client, scene, field_name):
    response = signed_in(client, scene["lakeside_staff"]).get(
        reverse("admin:autocomplete"),
        {"app_label": "referrals", "model_name": "appointment", "field_name": field_name, "term": ""},
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Lakeview" in text
    assert "Summitson" not in text


def test_a_raw_id_lookup_popup_lists_only_the_offices_locations(client, scene):
    response = signed_in(client, scene["lakeside_staff"]).get(
        reverse("admin:directory_practicelocation_changelist"), {"_popup": "1", "_to_field": "id"}
    )

    assert "Lakeviewville" in response.content.decode()
    assert "Summitsonville" not in response.content.decode()


def test_another_offices_provider_is_a_404_for_staff(client, scene):
    provider = scene["summit"].locations.get().providers.get()

    response = signed_in(client, scene["lakeside_staff"]).get(
        reverse("admin:directory_provider_change", args=[provider.pk])
    )

    assert response.status_code == 404


# --- Actions go through the services ------------------------------------------------------------


def run_action(client: Any, action: str, referrals: list[Referral], **extra: str) -> Any:
    data = {"action": action, "_selected_action": [r.pk for r in referrals], **extra}
    return client.post(CHANGELIST, data, follow=True)


def test_accepting_moves_the_referral_and_writes_the_timeline(client, scene):
    referral = scene["lakeside_referral"]

    run_action(signed_in(client, scene["lakeside_staff"]), "accept_referrals", [referral], index="0")

    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.events.filter(kind=ReferralEvent.Kind.ACCEPTED, actor=scene["lakeside_staff"]).exists()


def test_an_action_cannot_reach_another_offices_referral(client, scene):
    other = scene["summit_referral"]

    run_action(signed_in(client, scene["lakeside_staff"]), "accept_referrals", [other], index="0")

    other.refresh_from_db()
    assert other.status == Referral.Status.PENDING


def test_a_refused_action_is_reported_per_referral(client, scene):
    referral = scene["lakeside_referral"]
    referral.status = Referral.Status.COMPLETED
    referral.save()

    response = run_action(
        signed_in(client, scene["lakeside_staff"]), "accept_referrals", [referral], index="0"
    )

    assert f"Referral {str(referral.public_id)[:8]}: A referral that is completed cannot be accepted." in (
        response.content.decode()
    )


def test_declining_asks_for_a_reason_first(client, scene):
    referral = scene["lakeside_referral"]

    response = run_action(signed_in(client, scene["lakeside_staff"]), "decline_referrals", [referral])

    assert "Decline referrals" in response.content.decode()
    assert 'name="reason"' in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_declining_with_other_needs_a_comment(client, scene):
    referral = scene["lakeside_referral"]

    response = run_action(
        signed_in(client, scene["lakeside_staff"]),
        "decline_referrals",
        [referral],
        reason="other",
        apply="Decline",
    )

    assert "Say why in a comment" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_declining_with_a_reason_sends_the_referral_on(client, scene):
    referral = scene["lakeside_referral"]

    run_action(
        signed_in(client, scene["lakeside_staff"]),
        "decline_referrals",
        [referral],
        reason="capacity",
        comment="Fully booked for a month.",
        apply="Decline",
    )

    referral.refresh_from_db()
    declined = referral.events.get(kind=ReferralEvent.Kind.DECLINED)
    assert (declined.reason, declined.comment, declined.practice) == (
        "capacity",
        "Fully booked for a month.",
        scene["lakeside"],
    )
    assert referral.practice != scene["lakeside"]


def test_completing_stores_the_outcome_for_the_clinician(client, scene):
    referral = scene["lakeside_referral"]
    referral.status = Referral.Status.IN_TREATMENT
    referral.save()

    run_action(
        signed_in(client, scene["lakeside_staff"]),
        "complete_referrals",
        [referral],
        outcome_summary="L5 epidural done; pain 7 to 2. Follow up with PT.",
        apply="Complete",
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert referral.outcome_summary == "L5 epidural done; pain 7 to 2. Follow up with PT."


def test_recording_a_no_show_marks_the_visit_that_started(client, scene):
    referral = scene["lakeside_referral"]
    referral.status = Referral.Status.SCHEDULED
    referral.save()
    visit = AppointmentFactory.create(
        referral=referral, starts_at=timezone.now() - datetime.timedelta(hours=1)
    )

    run_action(signed_in(client, scene["lakeside_staff"]), "record_no_show", [referral], index="0")

    visit.refresh_from_db()
    assert visit.status == Appointment.Status.NO_SHOW
    assert referral.events.filter(kind=ReferralEvent.Kind.VISIT_RECORDED).exists()


def test_booking_a_visit_in_the_inline_schedules_the_referral(client, scene):
    referral = scene["lakeside_referral"]
    referral.status = Referral.Status.ACCEPTED
    referral.save()
    signed_in(client, scene["lakeside_staff"])
    starts = timezone.localtime() + datetime.timedelta(days=7)

    client.post(
        change_url(referral),
        {
            **management_forms(referral, appointments_total=1),
            "appointments-0-kind": "consult",
            "appointments-0-starts_at": f"{starts:%Y-%m-%d}T10:00",
            "appointments-0-referral": referral.pk,
            "_save": "Save",
        },
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.SCHEDULED
    assert referral.appointments.get().practice == scene["lakeside"]


def management_forms(referral: Referral, *, appointments_total: int) -> dict[str, Any]:
    events = list(referral.events.values_list("pk", flat=True))
    data: dict[str, Any] = {
        "events-TOTAL_FORMS": len(events),
        "events-INITIAL_FORMS": len(events),
        "appointments-TOTAL_FORMS": appointments_total,
        "appointments-INITIAL_FORMS": 0,
        "follow_ups-TOTAL_FORMS": 0,
        "follow_ups-INITIAL_FORMS": 0,
        "patient_outcomes-TOTAL_FORMS": 0,
        "patient_outcomes-INITIAL_FORMS": 0,
    }
    for index, pk in enumerate(events):
        data[f"events-{index}-id"] = pk
    return data


# --- Follow-ups, audit, query counts --------------------------------------------------------------


def test_follow_ups_due_come_overdue_first(client, scene):
    referral = scene["lakeside_referral"]
    visit = AppointmentFactory.create(referral=referral, status=Appointment.Status.FULFILLED)
    today = timezone.localdate()
    FollowUp.objects.create(
        referral=referral, source_appointment=visit, due_on=today + datetime.timedelta(days=2)
    )
    FollowUp.objects.create(
        referral=referral, source_appointment=visit, due_on=today - datetime.timedelta(days=9)
    )

    response = signed_in(client, scene["lakeside_staff"]).get(reverse("admin:referrals_followup_changelist"))

    rows = list(response.context["cl"].result_list)
    assert [row.overdue for row in rows] == [True, False]
    assert "Follow-ups due" in response.content.decode()


def test_opening_a_referral_and_exporting_are_audited(client, scene):
    referral = scene["lakeside_referral"]
    staff = signed_in(client, scene["lakeside_staff"])

    staff.get(change_url(referral))
    export = run_action(staff, "export_csv", [referral], index="0")

    assert "Okafor" in export.content.decode()
    entries = AuditLogEntry.objects.filter(actor=scene["lakeside_staff"], object_id=str(referral.public_id))
    assert {"read", "export"} <= set(entries.values_list("action", flat=True))


def test_only_superusers_read_the_audit_log_and_nobody_changes_it(client, scene):
    signed_in(client, scene["lakeside_staff"]).get(change_url(scene["lakeside_referral"]))
    entry = AuditLogEntry.objects.first()
    assert entry is not None
    audit_list = reverse("admin:referrals_auditlogentry_changelist")

    assert client.get(audit_list).status_code == 403
    signed_in(client, scene["superuser"])
    assert client.get(audit_list).status_code == 200
    assert client.post(reverse("admin:referrals_auditlogentry_delete", args=[entry.pk])).status_code == 403
    page = client.get(reverse("admin:referrals_auditlogentry_change", args=[entry.pk])).content.decode()
    assert 'name="_save"' not in page


def queries_for_changelist(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(captured)


def test_the_referral_list_costs_the_same_queries_for_10_and_100_referrals(client, scene):
    practice = scene["lakeside"]
    staff = signed_in(client, scene["lakeside_staff"])
    ReferralFactory.create_batch(9, practice=practice)
    with_ten = queries_for_changelist(staff)

    for referral in ReferralFactory.create_batch(90, practice=practice):
        AppointmentFactory.create(referral=referral)

    assert queries_for_changelist(staff) == with_ten
    assert with_ten < 15


def test_saving_a_provider_confirms_the_offices_listing(client, scene):
    location = scene["lakeside"].locations.get()
    provider = location.providers.get()
    staff = signed_in(client, scene["lakeside_staff"])

    staff.post(
        reverse("admin:directory_provider_change", args=[provider.pk]),
        {"accepting_new_patients": "", "_save": "Save"},
    )

    provider.refresh_from_db()
    location.refresh_from_db()
    assert provider.accepting_new_patients is False
    assert location.last_verified_at is not None
    assert timezone.now() - location.last_verified_at < datetime.timedelta(minutes=1)


# --- Routing by hand ---------------------------------------------------------------------------


@pytest.fixture
def router(scene) -> Any:
    """A referral coordinator who works for no office but may place unroutable referrals."""
    user = UserFactory.create(username="coordinator", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="referrals",
            codename__in=["view_referral", "change_referral", "route_referral_by_hand"],
        )
    )
    return user


def unroutable_referral(scene) -> Referral:
    return ReferralFactory.create(
        practice=None,
        status=Referral.Status.UNROUTABLE,
        acceptance_deadline=None,
        clinician=scene["clinician"],
        patient=PatientFactory.create(last_name="Castillo", postal_code="80202"),
    )


def practice_miles_from_denver(name: str, miles: float, procedures: tuple[str, ...] = ()) -> Any:
    practice = PracticeFactory.create(name=name)
    origin = resolve_place("80202")
    point = geodesic(miles=miles).destination((origin.lat, origin.lng), 0)
    location = PracticeLocationFactory.create(
        practice=practice, latitude=point.latitude, longitude=point.longitude, city="Northglenn"
    )
    ProviderFactory.create(locations=[location], procedures=list(procedures))
    return enrolled(practice)


def test_a_router_is_offered_practices_nearest_the_patient_and_sends_the_referral(client, scene, router):
    referral = unroutable_referral(scene)
    practice_miles_from_denver("Far Peaks IR", 80)
    assert referral.requested_procedure is not None
    near = practice_miles_from_denver("Near Creek IR", 6, procedures=(referral.requested_procedure.slug,))

    choosing = run_action(signed_in(client, router), "route_by_hand", [referral])
    page = choosing.content.decode()
    near_label = "Near Creek IR, Northglenn, CO: 6.0 miles (offers the requested procedure)"
    assert page.index(near_label) < page.index("Far Peaks IR")
    assert re.search(r"Far Peaks IR, [^:]+: 80\.\d miles \(does not list the requested procedure\)", page)

    run_action(client, "route_by_hand", [referral], practice=str(near.pk), apply="Send")

    referral.refresh_from_db()
    assert (referral.status, referral.practice) == (Referral.Status.PENDING, near)
    assert referral.events.filter(kind=ReferralEvent.Kind.ROUTED_BY_HAND, actor=router).exists()


def test_a_router_sees_unroutable_referrals_but_no_offices_own(client, scene, router):
    unroutable_referral(scene)

    page = signed_in(client, router).get(CHANGELIST).content.decode()

    assert "Castillo" in page
    assert "Okafor" not in page and "Nguyen" not in page


def test_office_staff_see_neither_unroutable_referrals_nor_the_routing_action(client, scene):
    unroutable_referral(scene)

    page = signed_in(client, scene["lakeside_staff"]).get(CHANGELIST).content.decode()

    assert "Castillo" not in page
    assert "route_by_hand" not in page


def test_routing_by_hand_takes_one_referral_at_a_time(client, scene, router):
    first, second = unroutable_referral(scene), unroutable_referral(scene)
    practice = practice_miles_from_denver("Near Creek IR", 6)

    response = run_action(
        signed_in(client, router), "route_by_hand", [first, second], practice=str(practice.pk), apply="Send"
    )

    assert "Choose one referral at a time" in response.content.decode()
    assert Referral.objects.filter(status=Referral.Status.UNROUTABLE).count() == 2
