"""Writes to the directory: listing reports from the public, and offices confirming their listings."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from directory.models import ListingReport, Practice, PracticeLocation, Provider


class ListingReportError(ValueError):
    """A listing report that cannot be stored as given."""


@transaction.atomic
def listing_report_create(
    *,
    provider: Provider,
    problem: str,
    details: str = "",
    location: PracticeLocation | None = None,
) -> ListingReport:
    """Store a report that ``provider``'s listing is wrong; return it, open (not resolved).

    Raises ListingReportError for an unknown problem or a location the provider does not work at.
    """
    if problem not in ListingReport.Problem.values:
        raise ListingReportError(f"Unknown problem {problem!r}.")
    if location is not None and not provider.locations.filter(pk=location.pk).exists():
        raise ListingReportError("That location is not one of this provider's.")
    return ListingReport.objects.create(
        provider=provider, location=location, problem=problem, details=details.strip()
    )


@transaction.atomic
def listing_reports_resolve(*, reports: QuerySet[ListingReport]) -> int:
    """Mark the still-open reports among ``reports`` resolved now; return how many changed.

    Already resolved reports keep their original resolution time, so running it twice is harmless.
    """
    return reports.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())


@transaction.atomic
def location_mark_verified(*, location: PracticeLocation) -> PracticeLocation:
    """Record that the office confirmed this location's listing just now; return the location."""
    location.mark_verified()
    location.save(update_fields=["last_verified_at"])
    return location


@transaction.atomic
def practice_mark_verified(*, practice: Practice) -> int:
    """Record that the office confirmed all of its locations just now; return how many were updated."""
    return PracticeLocation.objects.filter(practice=practice).update(last_verified_at=timezone.now())
