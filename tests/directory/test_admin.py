"""The directory admin: changelists that stay cheap, listings that count as verified when saved."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from directory.models import ListingReport, PracticeLocation
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:directory_practice_changelist",
    "admin:directory_practicelocation_changelist",
    "admin:directory_provider_changelist",
    "admin:directory_listingreport_changelist",
    "admin:directory_procedure_changelist",
    "admin:directory_condition_changelist",
    "admin:directory_language_changelist",
]


def add_listings(count: int) -> None:
    for _ in range(count):
        location = PracticeLocationFactory.create()
        provider = ProviderFactory.create(locations=[location], procedures=["facet-joint-injection"])
        ListingReport.objects.create(provider=provider, location=location, problem="phone")


def queries_to_load(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_changelist_costs_the_same_queries_for_2_or_12_rows(admin_client, url_name):
    url = reverse(url_name)
    add_listings(2)
    queries_with_two = queries_to_load(admin_client, url)

    add_listings(10)

    assert queries_to_load(admin_client, url) == queries_with_two


def test_provider_search_finds_by_npi(admin_client):
    wanted = ProviderFactory.create(last_name="Okafor")
    other = ProviderFactory.create(last_name="Nguyen")

    html = admin_client.get(
        reverse("admin:directory_provider_changelist"), {"q": wanted.npi}
    ).content.decode()

    assert "Okafor" in html
    assert other.last_name not in html


def test_provider_list_filters_by_state(admin_client):
    ProviderFactory.create(
        last_name="Texan", locations=[PracticeLocationFactory.create(state="TX", postal_code="77030")]
    )
    ProviderFactory.create(last_name="Coloradan", locations=[PracticeLocationFactory.create(state="CO")])

    html = admin_client.get(reverse("admin:directory_provider_changelist"), {"state": "TX"}).content.decode()

    assert "Texan" in html
    assert "Coloradan" not in html


def location_form_data(location: PracticeLocation, **changes: object) -> dict[str, object]:
    data = {
        "practice": location.practice_id,
        "address_line1": location.address_line1,
        "address_line2": "",
        "city": location.city,
        "state": location.state,
        "postal_code": location.postal_code,
        "phone": location.phone,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "geocode_source": location.geocode_source,
    }
    return data | changes


def test_saving_a_location_in_the_admin_refreshes_last_verified(admin_client):
    location = PracticeLocationFactory.create(last_verified_at=None)

    response = admin_client.post(
        reverse("admin:directory_practicelocation_change", args=[location.pk]),
        location_form_data(location, phone="555-0199"),
    )

    assert response.status_code == 302
    location.refresh_from_db()
    assert location.phone == "555-0199"
    assert location.last_verified_at is not None


def test_saving_a_practice_refreshes_every_one_of_its_locations(admin_client):
    practice = PracticeFactory.create()
    first = PracticeLocationFactory.create(practice=practice, last_verified_at=None)
    second = PracticeLocationFactory.create(practice=practice, last_verified_at=None)
    data: dict[str, object] = {
        "name": practice.name,
        "phone": practice.phone,
        "website": "",
        "accepting_referrals": "on",
        "fhir_endpoint_status": "off",
        "locations-TOTAL_FORMS": "2",
        "locations-INITIAL_FORMS": "2",
        "locations-MIN_NUM_FORMS": "0",
        "locations-MAX_NUM_FORMS": "1000",
    }
    for index, location in enumerate([first, second]):
        fields = location_form_data(location)
        fields.pop("practice")
        data |= {f"locations-{index}-{key}": value for key, value in fields.items()}
        data |= {f"locations-{index}-id": location.pk, f"locations-{index}-practice": practice.pk}

    response = admin_client.post(reverse("admin:directory_practice_change", args=[practice.pk]), data)

    assert response.status_code == 302
    assert all(location.last_verified_at for location in PracticeLocation.objects.filter(practice=practice))


def test_mark_resolved_action_closes_the_chosen_reports_only(admin_client):
    provider = ProviderFactory.create()
    chosen = ListingReport.objects.create(provider=provider, problem="phone")
    untouched = ListingReport.objects.create(provider=provider, problem="address")

    admin_client.post(
        reverse("admin:directory_listingreport_changelist"),
        {"action": "mark_resolved", "_selected_action": [chosen.pk]},
    )

    chosen.refresh_from_db()
    untouched.refresh_from_db()
    assert not chosen.is_open
    assert untouched.is_open


def test_report_list_filters_open_reports(admin_client):
    provider = ProviderFactory.create(last_name="Openreport")
    resolved_provider = ProviderFactory.create(last_name="Closedreport")
    ListingReport.objects.create(provider=provider, problem="phone")
    done = ListingReport.objects.create(provider=resolved_provider, problem="phone")
    ListingReport.objects.filter(pk=done.pk).update(resolved_at="2026-01-01T00:00:00Z")

    html = admin_client.get(
        reverse("admin:directory_listingreport_changelist"), {"status": "open"}
    ).content.decode()

    assert "Openreport" in html
    assert "Closedreport" not in html


def test_ordinary_users_cannot_open_the_directory_admin(client, django_user_model):
    django_user_model.objects.create_user(username="dr.adams", password="pw-for-tests-only")
    client.login(username="dr.adams", password="pw-for-tests-only")

    response = client.get(reverse("admin:directory_provider_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("admin:directory_practice_change", lambda: PracticeLocationFactory.create().practice),
        ("admin:directory_practicelocation_change", lambda: PracticeLocationFactory.create()),
        (
            "admin:directory_provider_change",
            lambda: ProviderFactory.create(locations=[PracticeLocationFactory.create()]),
        ),
        (
            "admin:directory_listingreport_change",
            lambda: ListingReport.objects.create(provider=ProviderFactory.create(), problem="other"),
        ),
    ],
)
def test_change_forms_open_for_a_superuser(admin_client, url_name, make):
    row = make()

    response = admin_client.get(reverse(url_name, args=[row.pk]))

    assert response.status_code == 200
    assert 'name="_save"' in response.content.decode()


@pytest.mark.parametrize("model", ["practice", "practicelocation", "provider"])
def test_add_forms_open_for_a_superuser(admin_client, model):
    assert admin_client.get(reverse(f"admin:directory_{model}_add")).status_code == 200
