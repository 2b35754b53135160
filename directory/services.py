"""Writes to the directory: listing reports, offices confirming their listings, enrolment."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from directory.enrolment import EndpointStatus, enrolment_gaps
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


class EnrolmentError(ValueError):
    """A practice that cannot be enrolled yet; ``errors`` says what is missing, by field name."""

    def __init__(self, practice: Practice, errors: dict[str, str]) -> None:
        super().__init__(f"{practice.name} cannot be enrolled: {'; '.join(errors.values())}.")
        self.errors = errors


@transaction.atomic
def practice_enrol(*, practice: Practice) -> Practice:
    """Let ``practice`` receive referrals from now on; return it.

    Raises ``EnrolmentError`` (nothing saved) unless it has an active staff member, a
    working delivery channel and referrals switched on. Enrolling twice keeps the first date.
    """
    practice = Practice.objects.select_for_update().get(pk=practice.pk)
    gaps = enrolment_gaps(practice)
    if gaps:
        raise EnrolmentError(practice, gaps)
    if practice.enrolled_at is None:
        practice.enrolled_at = timezone.now()
        practice.delivery_failures_in_a_row = 0
        practice.save(update_fields=["enrolled_at", "delivery_failures_in_a_row", "updated_at"])
    return practice


@transaction.atomic
def practice_unenrol(*, practice: Practice) -> bool:
    """Stop routing referrals to ``practice``; True when it was enrolled until now.

    The practice stays in the public directory. Its pending referrals are the caller's to
    move on (``referrals.enrolment.practice_withdraw`` does both).
    """
    changed = Practice.objects.filter(pk=practice.pk, enrolled_at__isnull=False).update(
        enrolled_at=None, updated_at=timezone.now()
    )
    practice.refresh_from_db(fields=["enrolled_at"])
    return changed == 1


def practice_record_delivery(*, practice_id: int, delivered: bool) -> None:
    """Count a new-referral notice that failed (one more in a row) or got through (back to 0)."""
    failures = F("delivery_failures_in_a_row") + 1 if delivered is False else 0
    Practice.objects.filter(pk=practice_id).update(delivery_failures_in_a_row=failures)


def practice_endpoint_mark_error(*, practice_id: int) -> None:
    """Set the practice's active FHIR endpoint to ``error``: it no longer counts as a channel."""
    Practice.objects.filter(pk=practice_id, fhir_endpoint_status=EndpointStatus.ACTIVE).update(
        fhir_endpoint_status=EndpointStatus.ERROR, updated_at=timezone.now()
    )
