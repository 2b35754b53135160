"""Shared setup for the referral tests: people, patients, referrals in any state."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from directory.models import Practice, PracticeLocation, PracticeMembership, Procedure
from directory.services import practice_enrol
from referrals.models import Appointment, Patient, Referral
from referrals.roles import staff_group
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.triage.factories import AssessmentFactory, answers_with

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory[Any]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@clinic.example")
    # Tests sign in with force_login / force_authenticate; hashing a password per user is slow.
    password = "!unusable"


class StaffFactory(UserFactory):
    """An IR office staff member; pass ``practice=`` to choose the practice they work for."""

    is_staff = True

    @factory.post_generation
    def practice(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            PracticeMembership.objects.create(user=obj, practice=extracted or PracticeFactory.create())


def enrolled(practice: Practice, *, inbox: str | None = None) -> Practice:
    """``practice`` able to receive referrals: an active staff member, a referral inbox, enrolled."""
    if not PracticeMembership.objects.filter(practice=practice, user__is_active=True).exists():
        StaffFactory.create(practice=practice)
    practice.referral_inbox_email = f"referrals.{practice.pk}@practice.example" if inbox is None else inbox
    practice.save(update_fields=["referral_inbox_email"])
    return practice_enrol(practice=practice)


class PatientFactory(factory.django.DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    first_name = "Maria"
    last_name = factory.Sequence(lambda n: f"Lopez{n}")
    birth_date = datetime.date(1970, 5, 17)
    sex = Patient.Sex.FEMALE
    phone = "555-0123"
    postal_code = "80202"


def epidural_injection() -> Procedure:
    """The catalog entry (recreated if a transactional test flushed the catalog migration's rows)."""
    procedure, _ = Procedure.objects.get_or_create(
        slug="epidural-steroid-injection",
        defaults={
            "name": "Epidural steroid injection",
            "description": "Steroid near an irritated nerve root.",
        },
    )
    return procedure


class ReferralFactory(factory.django.DjangoModelFactory[Referral]):
    """A referral stored as-is (no routing): use the services to move it, this to set the scene."""

    class Meta:
        model = Referral

    clinician = factory.SubFactory(UserFactory)
    patient = factory.SubFactory(PatientFactory)
    assessment = factory.SubFactory(
        AssessmentFactory,
        answers=factory.LazyFunction(lambda: answers_with("leg_weakness")),
        source="referral",
    )
    disposition = factory.LazyAttribute(lambda o: o.assessment.disposition)
    clinical_question = "Would this patient benefit from an epidural steroid injection?"
    requested_procedure = factory.LazyFunction(lambda: epidural_injection())
    pain_score = 7
    status = Referral.Status.PENDING
    practice = factory.SubFactory(PracticeFactory)
    acceptance_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=24))
    idempotency_key = factory.LazyFunction(lambda: str(uuid.uuid4()))
    request_fingerprint = "0" * 64


class AppointmentFactory(factory.django.DjangoModelFactory[Appointment]):
    class Meta:
        model = Appointment

    referral = factory.SubFactory(ReferralFactory, status=Referral.Status.SCHEDULED)
    kind = Appointment.Kind.CONSULT
    practice = factory.LazyAttribute(lambda o: o.referral.practice)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=3))


def chicago_office() -> tuple[Practice, PracticeLocation, Any]:
    """A Chicago practice (one location, one provider) and its clerk, "staff.chicago", in the staff group."""
    practice = PracticeFactory.create(name="Chicago Interventional Pain & Spine")
    location = PracticeLocationFactory.create(
        practice=practice, city="Chicago", state="IL", postal_code="60611"
    )
    ProviderFactory.create(locations=[location], last_name="Lakeview")
    clerk = StaffFactory.create(username="staff.chicago", practice=practice)
    clerk.groups.add(staff_group())
    return practice, location, clerk
