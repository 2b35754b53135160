"""The people and places the browser journeys meet: a few IR offices around downtown Denver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geopy.distance import geodesic

from directory.geo import zip_centroid
from directory.models import Practice, PracticeLocation, Provider
from referrals.roles import staff_group
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.referrals.factories import StaffFactory, UserFactory, enrolled

PATIENT_ZIP = "80202"
ESI = "epidural-steroid-injection"
VERTEBROPLASTY = "vertebroplasty-kyphoplasty"


@dataclass(frozen=True)
class Office:
    practice: Practice
    provider: Provider


def office_km_north(km: float, *, name: str, last_name: str, procedures: tuple[str, ...]) -> Office:
    """An enrolled practice ``km`` north of the patient's ZIP, one provider offering ``procedures``."""
    origin = zip_centroid(PATIENT_ZIP)
    assert origin is not None
    point = geodesic(kilometers=km).destination((origin.lat, origin.lng), 0)
    practice = PracticeFactory.create(name=name)
    location = PracticeLocationFactory.create(
        practice=practice,
        latitude=point.latitude,
        longitude=point.longitude,
        geocode_source=PracticeLocation.GeocodeSource.GEOCODER,
    )
    provider = ProviderFactory.create(
        locations=[location], first_name="Dana", last_name=last_name, procedures=list(procedures)
    )
    return Office(practice=enrolled(practice), provider=provider)


def denver_offices() -> dict[str, Office]:
    """Lakeside (5 km, epidurals) is nearer than Summit (12 km, epidurals and vertebroplasty)."""
    return {
        "lakeside": office_km_north(
            5, name="Lakeside Spine and Vascular", last_name="Lakeview", procedures=(ESI,)
        ),
        "summit": office_km_north(
            12,
            name="Summit Interventional Radiology",
            last_name="Summitson",
            procedures=(ESI, VERTEBROPLASTY),
        ),
    }


def clinician() -> Any:
    return UserFactory.create(username="dr.adams", first_name="Ada", last_name="Adams")


def office_staff(office: Office, *, username: str) -> Any:
    """A staff member of ``office`` with the office staff group's permissions."""
    staff = StaffFactory.create(username=username, practice=office.practice)
    staff.groups.add(staff_group())
    return staff
