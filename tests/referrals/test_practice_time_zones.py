"""A practice's times are shown and taken in its own time zone, named, and stored in UTC.

A Chicago practice books "10:00" and means 10:00 Central; the portal's own zone (New York)
must never leak into its pages, notices or the referrer's view (directory.time_zones).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from referrals import services
from referrals.models import Appointment, Referral
from referrals.roles import staff_group
from tests.directory.factories import PracticeFactory, PracticeLocationFactory
from tests.referrals.factories import PatientFactory, ReferralFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


# A winter day to come: Chicago keeps standard time then (CST, UTC-6), New York EST (UTC-5).
WINTER_DAY = datetime.date(2030, 1, 15)


@pytest.fixture
def chicago() -> dict[str, Any]:
    """An accepted referral at a Chicago practice, its clerk and the referring clinician."""
    practice = PracticeFactory.create(name="Chicago Interventional Pain & Spine")
    location = PracticeLocationFactory.create(
        practice=practice, city="Chicago", state="IL", postal_code="60611"
    )
    clerk = StaffFactory.create(username="staff.chicago", practice=practice)
    clerk.groups.add(staff_group())
    doctor = UserFactory.create(username="dr.adams")
    referral = ReferralFactory.create(
        practice=practice,
        practice_location=location,
        clinician=doctor,
        status=Referral.Status.ACCEPTED,
        patient=PatientFactory.create(last_name="Okafor", email="okafor@example.org"),
    )
    return {
        "practice": practice,
        "location": location,
        "clerk": clerk,
        "doctor": doctor,
        "referral": referral,
    }


def test_a_location_takes_its_time_zone_from_its_zip() -> None:
    chicago = PracticeLocationFactory.create(city="Chicago", state="IL", postal_code="60611")
    phoenix = PracticeLocationFactory.create(city="Phoenix", state="AZ", postal_code="85004")
    honolulu = PracticeLocationFactory.create(city="Honolulu", state="HI", postal_code="96813")

    assert chicago.time_zone == "America/Chicago"
    assert phoenix.time_zone == "America/Phoenix"
    assert honolulu.time_zone == "Pacific/Honolulu"


def test_a_zone_the_office_chose_is_kept_and_a_made_up_one_is_refused() -> None:
    location = PracticeLocationFactory.create(postal_code="60611", time_zone="America/Indiana/Knox")
    location.refresh_from_db()
    assert location.time_zone == "America/Indiana/Knox"

    location.time_zone = "Central Time"
    with pytest.raises(ValidationError) as refused:
        location.full_clean()
    assert "time_zone" in refused.value.message_dict


def test_an_office_changes_its_locations_zone_in_the_admin_and_a_new_zip_brings_its_own(
    client: Any, chicago: dict[str, Any]
) -> None:
    superuser = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    location = chicago["location"]
    url = reverse("admin:directory_practicelocation_change", args=[location.pk])
    page = client.get(url).content.decode()
    assert '<option value="America/Chicago" selected>Central (Chicago)</option>' in page

    form = {
        "practice": location.practice_id,
        "address_line1": location.address_line1,
        "city": "Denver",
        "state": "CO",
        "postal_code": "80202",
        "time_zone": "America/Chicago",
        "geocode_source": location.geocode_source,
        "latitude": location.latitude,
        "longitude": location.longitude,
    }
    assert client.post(url, form).status_code == 302
    location.refresh_from_db()
    assert location.time_zone == "America/Denver"

    assert client.post(url, {**form, "time_zone": "America/Phoenix"}).status_code == 302
    location.refresh_from_db()
    assert location.time_zone == "America/Phoenix"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_existing_location_the_zone_of_its_zip() -> None:
    before, after = (
        [("directory", "0010_practice_enrolled_index")],
        [("directory", "0011_location_time_zone")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    practice = old.get_model("directory", "Practice").objects.create(name="Old listing")
    rows = old.get_model("directory", "PracticeLocation").objects
    for city, state, code in (
        ("Chicago", "IL", "60611"),
        ("Denver", "CO", "80202"),
        ("Nowhere", "AZ", "85999"),
    ):
        rows.create(practice=practice, address_line1="1 Main St", city=city, state=state, postal_code=code)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    zones = dict(new.get_model("directory", "PracticeLocation").objects.values_list("city", "time_zone"))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert zones == {"Chicago": "America/Chicago", "Denver": "America/Denver", "Nowhere": "America/Phoenix"}


def test_a_clerk_books_ten_oclock_on_the_referral_page_and_means_ten_central(
    client: Any, chicago: dict[str, Any]
) -> None:
    referral, day = chicago["referral"], WINTER_DAY
    client.force_login(chicago["clerk"])
    url = reverse("admin:referrals_referral_change", args=[referral.pk])

    page = client.get(url).content.decode()
    assert "Starts at (CST)" in page
    assert "America/Chicago" in page

    client.post(url, booking_form(referral, f"{day:%Y-%m-%d}T10:00"))

    visit = referral.appointments.get()
    assert visit.starts_at == datetime.datetime.combine(day, datetime.time(16, 0), tzinfo=UTC)
    page = client.get(url).content.decode()
    assert "Tue 15 Jan 2030, 10:00 CST" in page
    assert f'value="{day:%Y-%m-%d}T10:00"' in page
    assert "16:00" not in page and "11:00" not in page


def test_the_referral_list_shows_each_deadline_in_its_practice_zone(
    client: Any, chicago: dict[str, Any]
) -> None:
    referral = chicago["referral"]
    referral.status = Referral.Status.PENDING
    referral.acceptance_deadline = datetime.datetime(2030, 1, 15, 15, 30, tzinfo=UTC)
    referral.save()
    client.force_login(chicago["clerk"])

    page = client.get(reverse("admin:referrals_referral_changelist")).content.decode()

    assert "Tue 15 Jan 2030, 09:30 CST" in page
    assert "10:30" not in page


def test_the_booking_notice_and_the_referrers_page_name_the_practice_zone(
    client: Any, chicago: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    referral = chicago["referral"]
    starts = datetime.datetime(2030, 1, 15, 16, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_schedule(
            referral=referral, user=chicago["clerk"], kind=Appointment.Kind.CONSULT, starts_at=starts
        )

    [notice] = [message for message in mail.outbox if "okafor@example.org" in message.to]
    assert "15 January 2030 at 10:00 CST" in notice.body
    client.force_login(chicago["doctor"])
    page = client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id})).content.decode()
    assert "Tue 15 Jan 2030, 10:00 CST" in page
    assert "11:00" not in page


def booking_form(referral: Referral, starts_at: str) -> dict[str, Any]:
    """The referral page's form with one new visit row, as the browser posts it."""
    events = list(referral.events.values_list("pk", flat=True))
    data: dict[str, Any] = {
        "events-TOTAL_FORMS": len(events),
        "events-INITIAL_FORMS": len(events),
        "appointments-TOTAL_FORMS": 1,
        "appointments-INITIAL_FORMS": 0,
        "appointments-0-kind": "consult",
        "appointments-0-starts_at": starts_at,
        "appointments-0-referral": referral.pk,
        "follow_ups-TOTAL_FORMS": 0,
        "follow_ups-INITIAL_FORMS": 0,
        "patient_outcomes-TOTAL_FORMS": 0,
        "patient_outcomes-INITIAL_FORMS": 0,
        "_save": "Save",
    }
    for index, pk in enumerate(events):
        data[f"events-{index}-id"] = pk
    return data
