"""Where a search starts and how far things are: offline place lookup and great-circle distance.

Pure Python over the place index (``places.py``: the ``zipcodes`` package's GeoNames data),
no table of the portal's. The only network boundary is the optional street-address
geocoder, which is off unless ``settings.GEOCODER`` names a geopy geocoder. Sentences meant
for a person go through Django's gettext, so they come in the asking page's language.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop

from directory import places

KM_PER_MILE = 1.609344

# WGS-84 ellipsoid.
_WGS84_A_KM = 6378.137
_WGS84_E2 = 0.00669437999014

_ZIP_RE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
_LAT_LNG_RE = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)$")
_CITY_STATE_RE = re.compile(r"^(?P<city>[^,]*[^\s,])\s*(?:,\s*|\s+)(?P<state>[A-Za-z]{2})$")

_HOW_TO_ENTER = gettext_noop(
    'Enter a 5-digit ZIP code, a city such as "Denver, CO", or "latitude,longitude".'
)


@dataclass(frozen=True)
class Origin:
    """A point a search is measured from, with a label a person recognises."""

    lat: float
    lng: float
    label: str


class PlaceNotFound(ValueError):
    """The text names no place we know; ``str(error)`` is a sentence to show the person."""


class AmbiguousPlace(PlaceNotFound):
    """A city name without a state that several states have; ``choices`` are "City, ST" labels."""

    def __init__(self, choices: list[str]) -> None:
        self.choices = choices
        city = choices[0].rpartition(",")[0]
        self.question = gettext("There is a %(city)s in %(count)s states. Which one do you mean?") % {
            "city": city,
            "count": len(choices),
        }
        super().__init__(f"{self.question} {'; '.join(choices)}.")


def zip_centroid(postal_code: str) -> Origin | None:
    """The centroid of a 5-digit ZIP or ZIP+4 (``12345``, ``123456789``, ``12345-6789``), or None."""
    match = _ZIP_RE.match(postal_code.strip())
    if match is None:
        return None
    place = places.zip_place(match.group(1))
    if place is None:
        return None
    return Origin(lat=place.lat, lng=place.lng, label=f"{match.group(1)} ({place.city}, {place.state})")


def _parse_lat_lng(text: str) -> Origin | None:
    match = _LAT_LNG_RE.match(text)
    if match is None:
        return None
    lat, lng = float(match.group(1)), float(match.group(2))
    if not -90 <= lat <= 90:
        raise PlaceNotFound(
            gettext("Latitude %(value)s is out of range: it must be between -90 and 90.")
            % {"value": match.group(1)}
        )
    if not -180 <= lng <= 180:
        raise PlaceNotFound(
            gettext("Longitude %(value)s is out of range: it must be between -180 and 180.")
            % {"value": match.group(2)}
        )
    return Origin(lat=lat, lng=lng, label=f"{lat:.5f}, {lng:.5f}")


def _state_code(text: str) -> str | None:
    """The 2-letter code of a state written as its code or its full name, in any case."""
    name = " ".join(text.split())
    if len(name) == 2 and name.isalpha():
        return name.upper()
    return places.state_code(name) if name else None


def _city_in(city: str, state: str | None) -> Origin | None:
    place = places.city_place(" ".join(city.split()), state) if state else None
    return Origin(lat=place.lat, lng=place.lng, label=place.label) if place else None


def _only_city_named(text: str) -> Origin | None:
    """The city of that name when one state has it; AmbiguousPlace when several do."""
    found = places.cities_named(" ".join(text.split()))
    if len(found) > 1:
        raise AmbiguousPlace([place.label for place in found])
    return Origin(lat=found[0].lat, lng=found[0].lng, label=found[0].label) if found else None


def _by_city(text: str) -> Origin | None:
    """ "City, ST", "City, State", "City ST", "City State" or a city alone, in any case."""
    city, comma, state = text.rpartition(",")
    if comma:
        return _city_in(city, _state_code(state))
    words = text.split()
    # The shortest state at the end first: "Kansas City Missouri" is Kansas City, MO.
    for split in range(len(words) - 1, 0, -1):
        found = _city_in(" ".join(words[:split]), _state_code(" ".join(words[split:])))
        if found is not None:
            return found
    return _only_city_named(text)


def resolve_place(text: str) -> Origin:
    """The point named by a ZIP, ZIP+4, a city or "lat,lng"; raises PlaceNotFound otherwise.

    A city may come with its state's code or full name, or alone (any case); alone, a
    name several states share raises AmbiguousPlace listing them.
    """
    cleaned = (text or "").strip()
    if not cleaned:
        raise PlaceNotFound(gettext("Tell us where to search from.") + " " + gettext(_HOW_TO_ENTER))
    if _ZIP_RE.match(cleaned):
        origin = zip_centroid(cleaned)
        if origin is None:
            raise PlaceNotFound(
                gettext("We could not find the ZIP code %(zip)s. Check it and try again.")
                % {"zip": cleaned[:5]}
            )
        return origin
    by_coordinates = _parse_lat_lng(cleaned)
    if by_coordinates is not None:
        return by_coordinates
    by_city = _by_city(cleaned)
    if by_city is not None:
        return by_city
    if "," in cleaned or _CITY_STATE_RE.match(cleaned):
        raise PlaceNotFound(
            gettext('We could not find "%(place)s". Check the spelling of the city and state.')
            % {"place": cleaned[:80]}
        )
    raise PlaceNotFound(
        gettext('We could not understand "%(place)s".') % {"place": cleaned[:80]}
        + " "
        + gettext(_HOW_TO_ENTER)
    )


def names_coordinates(text: str) -> bool:
    """Whether the text is a "latitude,longitude" pair (what "Use my location" sends)."""
    return _LAT_LNG_RE.match((text or "").strip()) is not None


def earth_radius_km(lat: float) -> float:
    """The Gaussian radius of curvature sqrt(M*N) of the WGS-84 ellipsoid at a latitude.

    Used as the sphere radius for haversine, it keeps distances within about 0.3% of
    the ellipsoidal (geodesic) distance for searches of a few hundred miles, where a
    fixed 6371 km sphere is up to ~0.5% off near the equator.
    """
    sin_lat = math.sin(math.radians(lat))
    return _WGS84_A_KM * math.sqrt(1 - _WGS84_E2) / (1 - _WGS84_E2 * sin_lat * sin_lat)


def great_circle_km(
    a_lat: float, a_lng: float, b_lat: float, b_lng: float, radius_km: float | None = None
) -> float:
    """Haversine distance in km between two points, on a sphere of ``radius_km``.

    The default radius is ``earth_radius_km(a_lat)``: the search origin's local radius,
    the same one the database search uses.
    """
    radius = earth_radius_km(a_lat) if radius_km is None else radius_km
    phi1, phi2 = math.radians(a_lat), math.radians(b_lat)
    d_phi = phi2 - phi1
    d_lambda = math.radians(b_lng - a_lng)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(h)))


# Height of the latitude bands that key the location index: a search scans a few bands,
# each over its bounding box's longitude range only (a plain (lat, lng) index would read
# every location in the box's latitude range, coast to coast).
LAT_BAND_DEGREES = 0.25


def lat_band(lat: float) -> int:
    """The number of the latitude band holding ``lat`` (bands are ``LAT_BAND_DEGREES`` high)."""
    return math.floor(lat / LAT_BAND_DEGREES)


def lat_bands(min_lat: float, max_lat: float) -> list[int]:
    """Every band number from the one holding ``min_lat`` to the one holding ``max_lat``."""
    return list(range(lat_band(min_lat), lat_band(max_lat) + 1))


def unit_vector(lat: float, lng: float) -> tuple[float, float, float]:
    """The point's unit vector on the sphere: (cos lat cos lng, cos lat sin lng, sin lat).

    The dot product of two such vectors is the cosine of the central angle between the
    points, so "within r km" becomes ``dot >= cos(r / R)``: plain arithmetic per row in SQL,
    yet the exact great-circle test.
    """
    phi, lam = math.radians(lat), math.radians(lng)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def min_closeness(origin: Origin, radius_km: float) -> float:
    """The smallest dot product of unit vectors of a point within ``radius_km`` of ``origin``.

    On the same sphere as ``great_circle_km`` (the Gaussian radius at the origin).
    """
    return math.cos(min(radius_km / earth_radius_km(origin.lat), math.pi))


def bounding_box(origin: Origin, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) holding every point within ``radius_km`` of origin.

    Slightly generous (never misses a point); where the circle reaches a pole or
    crosses the 180th meridian the longitude range opens to the whole globe, which
    stays correct and only costs the prefilter some selectivity.
    """
    radius = earth_radius_km(origin.lat)
    # A hair of slack so float rounding at the edge never drops a point on the circle.
    d_lat = math.degrees(radius_km / radius) * 1.0001 + 1e-9
    min_lat, max_lat = origin.lat - d_lat, origin.lat + d_lat
    if min_lat <= -90 or max_lat >= 90:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    # Widest longitude span of a spherical cap: asin(sin(r/R) / cos(lat)).
    ratio = math.sin(min(radius_km / radius, math.pi / 2)) / math.cos(math.radians(origin.lat))
    if ratio >= 1:
        return min_lat, max_lat, -180.0, 180.0
    d_lng = math.degrees(math.asin(ratio)) * 1.0001 + 1e-9
    min_lng, max_lng = origin.lng - d_lng, origin.lng + d_lng
    if min_lng < -180 or max_lng > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, min_lng, max_lng


# --- Optional street-address geocoder (network boundary) ----------------------

_NOT_FOUND = "-"
_GEOCODE_CACHE_SECONDS = 30 * 24 * 3600


@functools.cache
def _rate_limited_geocoder(name: str, user_agent: str, min_delay: float) -> Callable[..., Any]:
    """A geocode callable for the named geopy geocoder, spaced ``min_delay`` seconds apart.

    The spacing holds within one process; each web process keeps its own limiter.
    """
    from django.utils.module_loading import import_string
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import get_geocoder_for_service

    geocoder_class = import_string(name) if "." in name else get_geocoder_for_service(name.lower())
    geocoder = geocoder_class(user_agent=user_agent)
    return RateLimiter(geocoder.geocode, min_delay_seconds=min_delay, max_retries=1)


def _geocode_cache_key(address: str) -> str:
    # A digest, so an address (possibly a patient's) is never readable in the cache.
    normalised = " ".join(address.upper().split())
    return "geo:address:" + hashlib.sha256(normalised.encode()).hexdigest()


def geocode_address(address: str) -> Origin | None:
    """The point of a street address from the configured geocoder, or None.

    None when no geocoder is configured (``settings.GEOCODER`` unset, the default),
    when the address is blank, or when the geocoder finds nothing. Answers, including
    "not found", are cached so the same address never costs a second remote call.
    """
    from django.conf import settings
    from django.core.cache import cache

    name = getattr(settings, "GEOCODER", "")
    if not name or not address.strip():
        return None
    key = _geocode_cache_key(address)
    cached = cache.get(key)
    if cached is not None:
        return None if cached == _NOT_FOUND else Origin(**cached)
    geocode = _rate_limited_geocoder(
        name,
        getattr(settings, "GEOCODER_USER_AGENT", "ir-portal"),
        float(getattr(settings, "GEOCODER_MIN_DELAY_SECONDS", 1.0)),
    )
    from geopy.exc import GeopyError

    try:
        location = geocode(address)
    except GeopyError:
        # A failure of the service is not an answer about the address: don't cache it.
        return None
    if location is None:
        cache.set(key, _NOT_FOUND, _GEOCODE_CACHE_SECONDS)
        return None
    origin = Origin(lat=float(location.latitude), lng=float(location.longitude), label=address.strip()[:120])
    cache.set(key, {"lat": origin.lat, "lng": origin.lng, "label": origin.label}, _GEOCODE_CACHE_SECONDS)
    return origin
