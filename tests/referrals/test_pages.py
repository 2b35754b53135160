"""The clinician's pages: refer with the red-flag screening, see my referrals, follow one to its outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import AuditLogEntry, Referral
from tests.referrals.factories import PatientFactory, ReferralFactory, UserFactory
from triage.rules import ANSWER_KEYS, QUESTIONS

pytestmark = pytest.mark.django_db

NEW = reverse("referrals:new")
LIST = reverse("referrals:list")


def detail_url(referral: Referral) -> str:
    return reverse("referrals:detail", kwargs={"public_id": referral.public_id})


def form_data(*yes: str, **overrides: Any) -> dict[str, Any]:
    """A complete referral form as a clinician would post it: an urgent epidural request."""
    data: dict[str, Any] = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "birth_date": "1970-05-17",
        "sex": "female",
        "phone": "555-0123",
        "email": "",
        "postal_code": "80202",
        "pain_duration_weeks": "8",
        "requested_procedure": "epidural-steroid-injection",
        "suspected_condition": "",
        "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural appropriate?",
        "pain_score": "7",
        "imaging_summary": "MRI: L4-L5 protrusion.",
        "idempotency_key": "3f1c8a52-2d5e-4a8e-9a77-0c8d1b3e2f10",
    }
    data.update({key: "yes" if key in yes else "no" for key in ANSWER_KEYS})
    data.update(overrides)
    return data


@pytest.fixture
def doctor(client, clinician) -> Any:
    client.force_login(clinician)
    return client


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, NEW])
def test_the_pages_need_a_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_referral_page_needs_a_login(client, submit, near_practice):
    response = client.get(detail_url(submit()))

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [("referrer", 200), ("other_clinician", 404), ("practice_staff", 404), ("far_staff", 404)],
)
def test_referral_page_access_matrix(client, submit, clinician, near_staff, far_staff, viewer, expected):
    referral = submit()
    people = {
        "referrer": clinician,
        "other_clinician": UserFactory.create(username="dr.baker"),
        "practice_staff": near_staff,
        "far_staff": far_staff,
    }
    client.force_login(people[viewer])

    assert client.get(detail_url(referral)).status_code == expected


def test_my_referrals_lists_mine_with_status_practice_and_not_anyone_elses(doctor, submit, near_practice):
    submit()
    submit(by=UserFactory.create(username="dr.baker"), patient_data={**_patient(), "last_name": "Okafor"})

    html = doctor.get(LIST).content.decode()

    assert "Maria Lopez" in html
    assert "Awaiting the practice" in html
    assert near_practice.name in html
    assert "Okafor" not in html


def test_my_referrals_come_fifty_a_page_newest_first_with_links_between_pages(doctor, clinician):
    for number in range(55):
        ReferralFactory.create(
            clinician=clinician,
            patient=PatientFactory.create(last_name=f"Patient{number:02d}"),
            created_at=timezone.now() - timedelta(hours=number),
        )

    first = doctor.get(LIST).content.decode()
    second = doctor.get(LIST, {"page": "2"}).content.decode()

    assert "Showing 1&ndash;50 of 55" in first
    assert "Patient00" in first and "Patient49" in first and "Patient50" not in first
    assert 'href="?page=2" rel="next">Older referrals' in first
    assert "Patient50" in second and "Patient54" in second and "Patient49" not in second
    assert 'href="?page=1" rel="prev">Newer referrals' in second


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("3", "Page 3 is past the last page of your referrals; there is only 1 page."),
        ("two", "is not a page"),
    ],
)
def test_a_page_of_my_referrals_that_is_not_there_is_a_clear_400(doctor, clinician, page, message):
    ReferralFactory.create(clinician=clinician)

    response = doctor.get(LIST, {"page": page})

    assert response.status_code == 400
    assert message in response.content.decode()


def _patient() -> dict[str, Any]:
    from tests.referrals.conftest import referral_request

    return dict(referral_request()["patient_data"])


def test_another_clinicians_referral_cannot_be_cancelled(client, submit, near_practice):
    referral = submit()
    client.force_login(UserFactory.create(username="dr.baker"))

    response = client.post(
        reverse("referrals:cancel", kwargs={"public_id": referral.public_id}), {"reason": "x"}
    )

    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


# --- The form ------------------------------------------------------------------------------------


def test_the_form_asks_all_14_red_flag_questions(doctor):
    html = doctor.get(NEW).content.decode()

    for key in ANSWER_KEYS:
        assert QUESTIONS[key].text in html


def test_a_good_referral_is_routed_and_shown_with_where_it_went(doctor, near_practice, far_practice):
    response = doctor.post(NEW, form_data("leg_weakness"))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert "Lopez" not in response["Location"]
    html = doctor.get(response["Location"]).content.decode()
    assert "Status: Awaiting the practice" in html
    assert f"With <strong>{near_practice.name}</strong>" in html
    assert far_practice.name in html  # on the shortlist


def test_errors_show_beside_the_fields_and_keep_the_answers(doctor, near_practice):
    data = form_data("leg_weakness", pain_score="11")
    del data["fever"]

    response = doctor.post(NEW, data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "Pain score must be a whole number from 0 to 10." in html
    assert "Choose yes or no." in html
    assert 'value="Maria"' in html
    assert "checked" in input_tag(html, 'id="id_leg_weakness_0"')
    assert "checked" not in input_tag(html, 'id="id_fever_0"') + input_tag(html, 'id="id_fever_1"')
    assert Referral.objects.count() == 0


def input_tag(html: str, marker: str) -> str:
    """The whole <input ...> tag that contains ``marker``."""
    at = html.index(marker)
    return html[html.rindex("<input", 0, at) : html.index(">", at) + 1]


def test_a_zip_we_cannot_place_is_shown_on_the_zip_field(doctor, near_practice):
    response = doctor.post(NEW, form_data(postal_code="00000"))

    assert response.status_code == 400
    assert "We cannot place this ZIP code" in response.content.decode()
    assert Referral.objects.count() == 0


def test_a_procedure_or_a_condition_is_required(doctor, near_practice):
    response = doctor.post(NEW, form_data(requested_procedure=""))

    assert "Name a requested procedure or a suspected condition" in response.content.decode()


def test_sending_the_same_form_twice_makes_one_referral(doctor, near_practice):
    first = doctor.post(NEW, form_data())
    second = doctor.post(NEW, form_data())

    assert first["Location"] == second["Location"]
    assert Referral.objects.count() == 1


def test_an_emergency_is_shown_first_and_not_routed(doctor, near_practice):
    response = doctor.post(NEW, form_data("saddle_numbness"), follow=True)

    html = response.content.decode()
    main = html[html.index('id="main"') :]
    assert Referral.objects.get().status == Referral.Status.EMERGENCY_REDIRECT
    assert main.index("Send this patient to emergency care now") < main.index("Maria Lopez")
    assert near_practice.name not in main


# --- The referral page ---------------------------------------------------------------------------


def test_the_page_shows_the_timeline_and_the_outcome(doctor, submit, near_staff):
    referral = submit()
    services.referral_accept(referral=referral, user=near_staff)
    referral.status = Referral.Status.IN_TREATMENT
    referral.save()
    services.referral_complete(
        referral=referral, user=near_staff, outcome_summary="Injection done; pain 7 to 2."
    )

    html = doctor.get(detail_url(referral)).content.decode()

    assert "Injection done; pain 7 to 2." in html
    for step in ("Submitted", "Routed to a practice", "Accepted", "Completed"):
        assert step in html


def test_the_clinician_can_cancel_with_a_reason(doctor, submit, near_practice):
    referral = submit()

    doctor.post(
        reverse("referrals:cancel", kwargs={"public_id": referral.public_id}),
        {"reason": "Patient moved away."},
    )

    referral.refresh_from_db()
    assert referral.status == Referral.Status.CANCELLED
    assert "Patient moved away." in doctor.get(detail_url(referral)).content.decode()


def test_viewing_a_referral_is_audited(doctor, submit, clinician, near_practice):
    referral = submit()

    doctor.get(detail_url(referral))

    assert AuditLogEntry.objects.filter(
        actor=clinician, action="read", object_id=str(referral.public_id)
    ).exists()
