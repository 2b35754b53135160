"""A patient whose clinician recorded Spanish gets Spanish notices and a Spanish outcome page.

The contract is docs/languages.md ("What a patient receives").
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from referrals import notifications, patient_outcomes, services
from referrals.models import Appointment, Patient
from tests.referrals.factories import StaffFactory
from tests.referrals.test_api_submit import body, post
from tests.referrals.test_pages import form_data
from tests.referrals.test_patient_outcomes import PATIENT_EMAIL, treated_referral

pytestmark = pytest.mark.django_db

SPANISH_LINK = re.compile(r"http://testserver(/es/outcome/[A-Za-z0-9_-]+/)")


@pytest.fixture(autouse=True)
def links_point_at_the_test_server(settings: Any) -> None:
    settings.PORTAL_BASE_URL = "http://testserver"


def spanish_speaker_treated() -> Patient:
    referral = treated_referral()
    referral.patient.language = "es"
    referral.patient.save(update_fields=["language"])
    return referral.patient


def patient_message() -> Any:
    notifications.notifications_deliver_due()
    (message,) = [m for m in mail.outbox if PATIENT_EMAIL in m.to]
    return message


def test_a_spanish_speaking_patient_is_asked_for_the_outcome_in_spanish_with_a_spanish_link() -> None:
    spanish_speaker_treated()
    patient_outcomes.outcome_invites_queue()

    message = patient_message()

    assert message.subject == "¿Cómo está su espalda después del tratamiento?"
    assert "El enlace sirve una sola vez y durante 14 días" in message.body
    assert SPANISH_LINK.search(message.body), message.body


def test_the_spanish_outcome_page_asks_both_questions_and_thanks_in_spanish(client: Client) -> None:
    spanish_speaker_treated()
    patient_outcomes.outcome_invites_queue()
    match = SPANISH_LINK.search(patient_message().body)
    assert match is not None
    path = match.group(1)

    page = client.get(path).content.decode()
    assert '<html lang="es">' in page
    assert "¿Cuánto le duele la espalda ahora?" in page
    assert "Mucho mejor" in page
    assert "llame al 911" in page

    missing = client.post(path, {"pain_score": "3"})
    assert missing.status_code == 400
    assert "Elija cómo se siente comparado con antes del tratamiento." in missing.content.decode()

    thanks = client.post(path, {"pain_score": "3", "global_impression": "better"})
    assert "Gracias" in thanks.content.decode()


def test_an_english_speaking_patient_still_gets_english_and_an_address_without_a_prefix() -> None:
    treated_referral()
    patient_outcomes.outcome_invites_queue()

    message = patient_message()

    assert message.subject == "How is your back since your treatment?"
    assert "http://testserver/outcome/" in message.body


def test_a_spanish_speaking_patient_hears_of_a_booking_in_spanish_with_the_day_in_spanish() -> None:
    referral = treated_referral()
    referral.patient.language = "es"
    referral.patient.save(update_fields=["language"])
    referral.status = referral.Status.ACCEPTED
    referral.save(update_fields=["status"])
    staff = StaffFactory.create(practice=referral.practice)
    starts_at = timezone.make_aware(datetime.datetime(2030, 3, 4, 10, 30))  # a Monday

    services.appointment_schedule(
        referral=referral, user=staff, kind=Appointment.Kind.CONSULT, starts_at=starts_at
    )
    message = patient_message()

    assert message.subject == "Su cita está reservada"
    assert "Consulta el lunes 4 de marzo de 2030 a las 10:30" in message.body
    assert "Si no puede venir, llame al consultorio para cambiarla." in message.body


def test_the_clinician_records_the_patients_language_on_the_referral_form(
    client: Client, clinician: Any, near_practice: Any
) -> None:
    client.force_login(clinician)

    response = client.post(reverse("referrals:new"), form_data(language="es"))

    assert response.status_code == 302
    assert Patient.objects.get().language == "es"


def test_the_api_takes_the_patients_language(clinician: Any, near_practice: Any) -> None:
    api = APIClient()
    api.force_authenticate(clinician)
    spanish = body()
    spanish["patient"]["language"] = "es"

    assert post(api, spanish, key="language-1").status_code == 201
    assert Patient.objects.get().language == "es"
