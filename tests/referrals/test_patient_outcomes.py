"""Patients report their own outcome through a one-time link sent when a follow-up falls due."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from referrals import notifications, patient_outcomes
from referrals.metrics.queries import Period, Scope
from referrals.metrics.report import loop_report
from referrals.models import Appointment, FollowUp, OutcomeInvite, PatientReportedOutcome, Referral
from tests.referrals.factories import AppointmentFactory, PatientFactory, ReferralFactory, StaffFactory
from tests.security.test_patient_data_stays_out_of_logs import every_log_line  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

PATIENT_EMAIL = "philippa.quennell@example.org"
LINK = re.compile(r"http://testserver(/outcome/([A-Za-z0-9_-]+)/)")
ANSWER = {"pain_score": "2", "global_impression": "much_better"}


@pytest.fixture(autouse=True)
def links_point_at_the_test_server(settings: Any) -> None:
    settings.PORTAL_BASE_URL = "http://testserver"


def treated_referral(*, email: str = PATIENT_EMAIL, days_ago: int = 14) -> Referral:
    """A referral whose procedure was done ``days_ago`` days ago (baseline pain 7), follow-up due today."""
    patient = PatientFactory.create(first_name="Philippa", last_name="Quennell-Abernathy", email=email)
    referral = ReferralFactory.create(patient=patient, status=Referral.Status.IN_TREATMENT, pain_score=7)
    procedure = AppointmentFactory.create(
        referral=referral,
        kind=Appointment.Kind.PROCEDURE,
        status=Appointment.Status.FULFILLED,
        starts_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    FollowUp.objects.create(
        referral=referral,
        source_appointment=procedure,
        due_on=timezone.localdate() - datetime.timedelta(days=days_ago - 14),
    )
    return referral


def sent_link() -> tuple[str, str]:
    """Send what is due, and return the path and token of the link in the patient's e-mail."""
    patient_outcomes.outcome_invites_queue()
    notifications.notifications_deliver_due()
    (message,) = [m for m in mail.outbox if PATIENT_EMAIL in m.to]
    match = LINK.search(str(message.body))
    assert match is not None, message.body
    return match.group(1), match.group(2)


def test_a_follow_up_that_falls_due_sends_the_patient_one_link_however_often_the_job_runs() -> None:
    treated_referral()

    assert patient_outcomes.outcome_invites_queue() == 1
    assert patient_outcomes.outcome_invites_queue() == 0
    notifications.notifications_deliver_due()
    (message,) = mail.outbox
    assert message.to == [PATIENT_EMAIL]
    assert message.subject == "How is your back since your treatment?"
    assert "works once and for 14 days" in message.body


def test_no_link_without_an_e_mail_or_before_the_follow_up_is_due() -> None:
    treated_referral(email="")
    treated_referral(email="later@example.org", days_ago=3)  # due in 11 days

    assert patient_outcomes.outcome_invites_queue() == 0


def test_the_link_works_once_and_the_answer_is_stored_against_the_referral(client: Client) -> None:
    referral = treated_referral()
    path, _ = sent_link()

    form = client.get(path)
    answered = client.post(path, ANSWER)
    again = client.get(path)
    twice = client.post(path, {"pain_score": "9", "global_impression": "much_worse"})

    assert form.status_code == 200
    assert "How bad is your back pain now?" in form.content.decode()
    assert answered.status_code == 200
    assert "Thank you" in answered.content.decode()
    assert (again.status_code, twice.status_code) == (410, 410)
    (report,) = PatientReportedOutcome.objects.all()
    assert (report.referral, report.pain_score, report.global_impression) == (referral, 2, "much_better")


def test_an_expired_link_says_so_and_stores_nothing(client: Client) -> None:
    treated_referral()
    path, token = sent_link()
    OutcomeInvite.objects.filter(token=token).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert client.get(path).status_code == 410
    assert client.post(path, ANSWER).status_code == 410
    assert not PatientReportedOutcome.objects.exists()


def test_a_link_expires_14_days_after_it_was_sent() -> None:
    referral = treated_referral()
    now = timezone.now()
    invite = patient_outcomes.outcome_invite_send(referral=referral, now=now)

    assert patient_outcomes.usable_invite(invite.token, now=now + datetime.timedelta(days=13, hours=23))
    assert patient_outcomes.usable_invite(invite.token, now=now + datetime.timedelta(days=14)) is None


def without_own_address(html: str, path: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html).replace(path, "")


def test_used_expired_and_unknown_links_look_exactly_alike_and_show_nothing_about_anyone(
    client: Client,
) -> None:
    treated_referral()
    used, _ = sent_link()
    client.post(used, ANSWER)
    expired = patient_outcomes.outcome_invite_send(
        referral=treated_referral(email="other@example.org"), now=timezone.now() - datetime.timedelta(days=15)
    )

    paths = (used, f"/outcome/{expired.token}/", "/outcome/not-a-real-token/")
    pages = [client.get(path) for path in paths]

    assert {page.status_code for page in pages} == {410}
    # Alike but for the page's own address and the form token of its language switch.
    bodies = {without_own_address(page.content.decode(), p) for page, p in zip(pages, paths, strict=True)}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "This link no longer works" in body
    for trace in ("Philippa", "Quennell", PATIENT_EMAIL, "Spine and Vascular", "much_better", "7"):
        assert trace not in body


def test_an_incomplete_answer_names_the_question_stores_nothing_and_keeps_the_link(client: Client) -> None:
    treated_referral()
    path, _ = sent_link()

    response = client.post(path, {"pain_score": "11"})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_pain_score_0"' in body
    assert "Choose a number from 0 to 10." in body
    assert "Choose how you feel compared with before the treatment." in body
    assert not PatientReportedOutcome.objects.exists()
    assert client.post(path, ANSWER).status_code == 200


def test_the_outcome_page_is_rate_limited_per_address(client: Client, settings: Any) -> None:
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "outcome_report": "3/m"}
    codes = [client.get(f"/outcome/guess-{n}/").status_code for n in range(4)]

    assert codes == [410, 410, 410, 429]


def test_the_link_carries_only_an_opaque_token() -> None:
    referral = treated_referral()
    path, token = sent_link()

    assert path == f"/outcome/{token}/"
    assert len(token) >= 40
    assert OutcomeInvite.objects.get(referral=referral).token == token  # random, stored, nothing else
    for trace in (str(referral.public_id), "Philippa", "Quennell", "philippa", PATIENT_EMAIL):
        assert trace not in path


def test_the_answer_is_shown_to_the_office_and_the_referrer_and_counts_in_the_outcomes(
    client: Client,
) -> None:
    referral = treated_referral()
    path, _ = sent_link()
    client.post(path, ANSWER)
    staff = StaffFactory.create(practice=referral.practice, is_superuser=True)
    office, referrer = Client(), Client()
    office.force_login(staff)
    referrer.force_login(referral.clinician)

    admin_page = office.get(f"/admin/referrals/referral/{referral.pk}/change/").content.decode()
    detail = referrer.get(f"/referrals/{referral.public_id}/").content.decode()
    today = timezone.localdate()
    (outcome,) = loop_report(Scope("All"), Period(today - datetime.timedelta(days=30), today)).outcomes

    assert "outcomes reported by the patient" in admin_page.lower()
    assert "Much better" in admin_page
    assert "What the patient reported" in detail
    assert '>2</td><td data-label="Compared with before the treatment">Much better</td>' in detail
    assert outcome.changes == (-5,)  # 7 before, 2 now
    assert str(outcome.patient_better) == "1 of 1 (too few for a rate)"


def test_no_log_line_carries_the_patients_details_from_link_to_answer(
    client: Client,
    every_log_line: list[str],  # noqa: F811 - the fixture imported above
) -> None:
    treated_referral()
    path, token = sent_link()
    client.get(path)
    client.post(path, {"pain_score": "x"})
    client.post(path, ANSWER)
    client.get(path)

    logged = "\n".join(every_log_line)
    assert "/outcome/[token]/" in logged  # the 400 and 410 answers were logged, by path only
    # The token opens the page without a login: the 400 line came while the link still worked.
    for trace in ("Philippa", "Quennell", PATIENT_EMAIL, "philippa", token):
        assert trace not in logged
