"""The time zone a practice location keeps, and how the portal writes a time in it.

Every location keeps an IANA zone (``America/Chicago``): derived from its ZIP through the
place index (the ``zipcodes`` data, docs/data.md), or the zone most of its state keeps,
and editable by the office. Times are stored in UTC; every page and notice about a
practice's visits writes them in that practice's zone, naming it: "Mon 7 Dec 2026, 10:00 CST".
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError

from directory import places

# The zones US practices keep, for the office's choice; a location may hold any IANA zone.
US_TIME_ZONES = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Detroit", "Eastern (Detroit)"),
    ("America/Indiana/Indianapolis", "Eastern (Indianapolis)"),
    ("America/Kentucky/Louisville", "Eastern (Louisville)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Menominee", "Central (Menominee)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Boise", "Mountain (Boise)"),
    ("America/Phoenix", "Mountain, no daylight saving (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
    ("America/St_Thomas", "Atlantic (US Virgin Islands)"),
    ("Pacific/Guam", "Chamorro (Guam)"),
    ("Pacific/Pago_Pago", "Samoa (Pago Pago)"),
]


def default_zone_name() -> str:
    """The portal's own zone (settings ``TIME_ZONE``), for rows no practice location places."""
    return str(settings.TIME_ZONE)


def zone_for_address(postal_code: str, state: str = "") -> str:
    """The zone of a ZIP (5 digits or ZIP+4); else the zone most of ``state`` keeps; else the portal's."""
    zone = places.zip_time_zone(postal_code.strip()[:5])
    if zone is None and state:
        zone = places.state_time_zone(state)
    return zone or default_zone_name()


def validate_time_zone(value: str) -> None:
    """Refuse anything that is not an IANA time zone name."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            "Enter a time zone such as America/Chicago.", code="invalid_time_zone"
        ) from error


def zone_info(name: str | None) -> ZoneInfo:
    """The zone called ``name``; the portal's own zone when ``name`` is empty or unknown."""
    try:
        return ZoneInfo(name or default_zone_name())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default_zone_name())


def format_when(moment: datetime.datetime, zone: ZoneInfo) -> str:
    """``moment`` in ``zone``, with the zone named: "Mon 7 Dec 2026, 10:00 CST"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def format_day(day: datetime.date) -> str:
    """A calendar day, written the same way as the times: "7 Dec 2026"."""
    return f"{day.day} {day:%b %Y}"
