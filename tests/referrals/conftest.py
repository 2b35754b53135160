"""The scene most referral tests play in: a patient in downtown Denver and IR practices around it."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from geopy.distance import geodesic

from directory.geo import zip_centroid
from directory.models import Practice, Procedure
from referrals import services
from referrals.models import Referral
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.referrals.factories import StaffFactory, UserFactory, enrolled
from tests.triage.factories import answers_with

PATIENT_ZIP = "80202"
ESI = "epidural-steroid-injection"


def practice_km_north(
    km: float,
    *,
    procedures: tuple[str, ...] = (ESI,),
    enrol: bool = True,
    inbox: str | None = None,
    **kwargs: Any,
) -> Practice:
    """A practice with one location ``km`` north of the patient's ZIP and one provider there.

    Enrolled (a staff member, a referral inbox) unless ``enrol`` is False.
    """
    origin = zip_centroid(PATIENT_ZIP)
    assert origin is not None
    point = geodesic(kilometers=km).destination((origin.lat, origin.lng), 0)
    practice = PracticeFactory.create(**kwargs)
    location = PracticeLocationFactory.create(
        practice=practice, latitude=point.latitude, longitude=point.longitude
    )
    ProviderFactory.create(locations=[location], procedures=list(procedures))
    return enrolled(practice, inbox=inbox) if enrol else practice


def referral_request(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for ``referral_submit``: an urgent (leg weakness) epidural request."""
    request: dict[str, Any] = {
        "patient_data": {
            "first_name": "Maria",
            "last_name": "Lopez",
            "birth_date": datetime.date(1970, 5, 17),
            "sex": "female",
            "phone": "555-0123",
            "email": "",
            "postal_code": PATIENT_ZIP,
        },
        "triage_data": {"pain_duration_weeks": 8, "answers": answers_with("leg_weakness")},
        "requested_procedure": Procedure.objects.get(slug=ESI),
        "suspected_condition": None,
        "clinical_question": "Radicular pain for 8 weeks despite PT; is an epidural injection appropriate?",
        "pain_score": 7,
        "imaging_summary": "MRI: L4-L5 disc protrusion contacting the left L5 root.",
        "idempotency_key": str(uuid.uuid4()),
        "fingerprint": "f" * 64,
    }
    request.update(overrides)
    return request


@pytest.fixture
def clinician() -> Any:
    return UserFactory.create(username="dr.adams")


@pytest.fixture
def submit(clinician: Any) -> Callable[..., Referral]:
    """Submit a referral as ``clinician`` (or ``by=``) and return it as stored."""

    def _submit(by: Any = None, **overrides: Any) -> Referral:
        result = services.referral_submit(clinician=by or clinician, **referral_request(**overrides))
        return result.referral

    return _submit


@pytest.fixture
def near_practice() -> Practice:
    return practice_km_north(5, name="Lakeside Spine and Vascular")


@pytest.fixture
def far_practice() -> Practice:
    return practice_km_north(30, name="Summit Interventional Radiology")


@pytest.fixture
def near_staff(near_practice: Practice) -> Any:
    return StaffFactory.create(username="staff.near", practice=near_practice)


@pytest.fixture
def far_staff(far_practice: Practice) -> Any:
    return StaffFactory.create(username="staff.far", practice=far_practice)
