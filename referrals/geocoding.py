"""Street-address geocoding of practice locations, when a geocoder is configured.

Locations placed at a ZIP or city centroid (new imports, or an edited address reset to its
ZIP) are geocoded a few at a time; the geocoder is rate-limited and cached (``directory.geo``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from directory.geo import geocode_address
from directory.models import PracticeLocation

CENTROID_SOURCES = (PracticeLocation.GeocodeSource.ZIP_CENTROID, PracticeLocation.GeocodeSource.CITY_CENTROID)


def practice_locations_geocode(*, limit: int = 20) -> int:
    """Geocode up to ``limit`` centroid-placed locations; returns how many got a street-level point.

    A no-op without ``settings.GEOCODER``. Locations the geocoder cannot place keep their
    centroid and go to the back of the line. Workers running at once take different rows.
    """
    if not settings.GEOCODER:
        return 0
    placed = 0
    with transaction.atomic():
        locations = list(
            PracticeLocation.objects.filter(geocode_source__in=CENTROID_SOURCES)
            .order_by(F("geocoded_at").asc(nulls_first=True), "id")
            .select_for_update(skip_locked=True)[:limit]
        )
        for location in locations:
            point = geocode_address(str(location))
            location.geocoded_at = timezone.now()
            if point is not None:
                location.latitude, location.longitude = point.lat, point.lng
                location.geocode_source = PracticeLocation.GeocodeSource.GEOCODER
                placed += 1
            location.save(update_fields=["latitude", "longitude", "geocode_source", "geocoded_at"])
    return placed
