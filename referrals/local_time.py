"""Which practice's zone a referral's times are written in (directory.time_zones).

A referral's times (received, answer-by deadline, timeline) are written in the zone of the
location it was routed to; a visit's in the zone of the location it is booked at. A
referral no practice holds yet is written in the portal's own zone, named all the same.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from directory.models import PracticeLocation
from directory.time_zones import format_when, zone_info
from referrals.models import Appointment, Referral


def location_zone(location: PracticeLocation | None) -> ZoneInfo:
    return zone_info(location.time_zone if location is not None else None)


def referral_zone(referral: Referral) -> ZoneInfo:
    """The zone of the practice location holding the referral (the portal's when none does)."""
    return location_zone(referral.practice_location if referral.practice_location_id else None)


def visit_zone(appointment: Appointment) -> ZoneInfo:
    """The zone of the location a visit is booked at, else of the referral's practice location."""
    if appointment.location_id:
        return location_zone(appointment.location)
    return referral_zone(appointment.referral)


def at_practice(moment: datetime.datetime | None, referral: Referral) -> str:
    """A moment of ``referral``'s life in its practice's zone, "-" when there is none."""
    return "-" if moment is None else format_when(moment, referral_zone(referral))


def visit_time(appointment: Appointment) -> str:
    """When a visit starts, in its location's zone: "Mon 7 Dec 2026, 10:00 CST"."""
    return format_when(appointment.starts_at, visit_zone(appointment))
