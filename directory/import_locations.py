"""Where imported providers practise: ZIP centroids and the locations made from NPPES addresses."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from directory.geo import Origin, zip_centroid
from directory.models import Practice, PracticeLocation
from directory.nppes import PracticeAddress, ProviderRecord, Rejection, RejectReason, location_key
from directory.time_zones import zone_for_address

if TYPE_CHECKING:
    from directory.importers import NppesImportSummary


class CentroidCache:
    """ZIP centroids by 5-digit ZIP, looked up once per run."""

    def __init__(self) -> None:
        self._by_zip5: dict[str, Origin | None] = {}
        self.first_lookup_seconds = 0.0

    def get(self, zip5: str) -> Origin | None:
        if zip5 not in self._by_zip5:
            started = time.monotonic()
            self._by_zip5[zip5] = zip_centroid(zip5)
            if len(self._by_zip5) == 1:
                # The first lookup opens the place index: a one-off cost, not the file's.
                self.first_lookup_seconds = time.monotonic() - started
        return self._by_zip5[zip5]


def locations_for(
    records: dict[str, ProviderRecord], summary: NppesImportSummary, centroids: CentroidCache
) -> dict[tuple[str, ...], PracticeLocation]:
    """The practice location for every record's address, creating the missing ones.

    Records whose ZIP has no known centroid are rejected (and get no location).
    """
    postal_codes = set()
    for record in records.values():
        code = record.address.postal_code
        postal_codes.update({code, code[:5], code.replace("-", "")})
    found: dict[tuple[str, ...], PracticeLocation] = {}
    for location in PracticeLocation.objects.filter(postal_code__in=postal_codes).order_by("pk"):
        key = location_key(
            location.address_line1,
            location.address_line2,
            location.city,
            location.state,
            location.postal_code,
            location.phone,
        )
        found.setdefault(key, location)

    missing: dict[tuple[str, ...], tuple[PracticeAddress, Origin]] = {}
    for npi, record in records.items():
        key = record.address.key
        if key in found or key in missing:
            continue
        origin = centroids.get(record.address.zip5)
        if origin is None:
            summary.reject(Rejection(RejectReason.UNPLACEABLE_ZIP, npi))
            continue
        missing[key] = (record.address, origin)
    found.update(_create_locations(missing, timezone.now()))
    return found


def _create_locations(
    missing: dict[tuple[str, ...], tuple[PracticeAddress, Origin]], now: datetime
) -> dict[tuple[str, ...], PracticeLocation]:
    if not missing:
        return {}
    practices = Practice.objects.bulk_create(
        [Practice(name=practice_name(address), phone=address.phone) for address, _ in missing.values()]
    )
    locations = PracticeLocation.objects.bulk_create(
        [
            PracticeLocation(
                practice=practice,
                address_line1=address.line1,
                address_line2=address.line2,
                city=address.city,
                state=address.state,
                postal_code=address.postal_code,
                phone=address.phone,
                time_zone=zone_for_address(address.postal_code, address.state),
                **PracticeLocation.coordinates(origin.lat, origin.lng),
                geocode_source=PracticeLocation.GeocodeSource.ZIP_CENTROID,
                geocoded_at=now,
            )
            for practice, (address, origin) in zip(practices, missing.values(), strict=True)
        ]
    )
    return dict(zip(missing, locations, strict=True))


def practice_name(address: PracticeAddress) -> str:
    """The name a new practice gets from its address; office staff can rename it in the admin."""
    return f"Interventional radiology, {address.line1}, {address.city}"[:200]
