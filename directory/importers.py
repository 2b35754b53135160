"""Loading the public NPPES file into the directory: upsert by NPI, in batches."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from directory.import_locations import CentroidCache, locations_for
from directory.models import PracticeLocation, Provider
from directory.nppes import (
    Deactivation,
    NppesColumns,
    ProviderRecord,
    Rejection,
    RejectReason,
    RowOutcome,
    Skip,
    parse_record,
    read_provider_row,
)
from directory.nppes_scanner import Candidate, NppesScanner

BATCH_SIZE = 2000
REPORTED_BAD_NPIS = 5

# Locations the importer itself placed from a ZIP: the only links it may move when a
# provider's NPPES address changes. Addresses entered by hand or by a street
# geocoder are the office's own word and stay.
_IMPORTED_SOURCES = (
    PracticeLocation.GeocodeSource.ZIP_CENTROID,
    PracticeLocation.GeocodeSource.CITY_CENTROID,
)
_COMPARED_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "credential",
    "sex",
    "nppes_last_updated",
    "is_listed",
    "deactivated_on",
)


@dataclass
class NppesImportSummary:
    """What an import run did, in the terms the operator reads."""

    rows_read: int = 0
    kept: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unlisted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    bad_npis: list[str] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    setup_seconds: float = 0.0

    def reject(self, rejection: Rejection) -> None:
        self.rejected[rejection.reason.value] += 1
        if rejection.reason is RejectReason.BAD_CHECK_DIGIT and len(self.bad_npis) < REPORTED_BAD_NPIS:
            self.bad_npis.append(rejection.npi)

    def lines(self) -> list[str]:
        """The summary as printed by ``import_nppes``, one figure per line."""
        working = self.seconds - self.setup_seconds
        rate = self.rows_read / working if working > 0 else 0.0
        lines = [
            f"NPPES import finished in {self.seconds:.1f} s ({rate:,.0f} rows/s, "
            f"not counting {self.setup_seconds:.1f} s for the first place lookup)",
            f"rows read: {self.rows_read:,}",
            f"kept: {self.kept:,}",
            f"created: {self.created:,}",
            f"updated: {self.updated:,}",
            f"unchanged: {self.unchanged:,}",
            f"unlisted (deactivated): {self.unlisted:,}",
            f"rejected: {sum(self.rejected.values()):,}",
        ]
        for reason, count in sorted(self.rejected.items()):
            example = (
                f" (first NPIs: {', '.join(self.bad_npis)})" if reason == RejectReason.BAD_CHECK_DIGIT else ""
            )
            lines.append(f"  {reason}: {count:,}{example}")
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"skipped, {reason}: {count:,}")
        return lines


@dataclass(frozen=True)
class ImportProgress:
    rows_read: int
    bytes_read: int
    kept: int
    seconds: float


def providers_import_nppes(
    *,
    stream: BinaryIO,
    taxonomy_codes: Iterable[str],
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[ImportProgress], None] | None = None,
    progress_every_seconds: float = 2.0,
) -> NppesImportSummary:
    """Upsert every individual with a wanted taxonomy from an NPPES file and unlist deactivated NPIs.

    Guarantees: a second run over the same file changes nothing (created 0,
    updated 0); a bad row is counted by reason and never stops the run; memory
    stays flat whatever the file size. Each batch commits on its own, so an
    interrupted run keeps what it finished and a rerun completes it.
    Raises ValueError when the file is not an NPPES npidata file.
    """
    codes = frozenset(code.strip() for code in taxonomy_codes if code.strip())
    if not codes:
        raise ValueError("Give at least one taxonomy code to keep.")
    summary = NppesImportSummary()
    centroids = CentroidCache()
    progress = _Progress(summary, on_progress, every_seconds=progress_every_seconds)
    scanner = NppesScanner(stream, codes, on_block=progress.report)
    columns = NppesColumns.from_header(scanner.header)
    batch = _Batch(summary=summary, columns=columns, codes=codes, centroids=centroids)
    for why, record in scanner.candidates():
        if why is Candidate.DEACTIVATED:
            batch.hold_deactivated_shape(record)
        else:
            batch.take(_read(record, columns, codes))
        if batch.size >= batch_size:
            batch.flush()
    batch.flush()
    summary.rows_read = scanner.rows_read
    summary.seconds = time.monotonic() - progress.started
    summary.setup_seconds = centroids.first_lookup_seconds
    return summary


class _Progress:
    """Tells ``on_progress`` how far the scan got, at most every ``every_seconds``."""

    def __init__(
        self,
        summary: NppesImportSummary,
        on_progress: Callable[[ImportProgress], None] | None,
        *,
        every_seconds: float,
    ) -> None:
        self.summary = summary
        self.on_progress = on_progress
        self.every_seconds = every_seconds
        self.started = self.last_report = time.monotonic()

    def report(self, scanner: NppesScanner) -> None:
        now = time.monotonic()
        if self.on_progress is not None and now - self.last_report >= self.every_seconds:
            self.last_report = now
            elapsed = now - self.started
            kept = self.summary.kept
            self.on_progress(ImportProgress(scanner.rows_read, scanner.bytes_read, kept, elapsed))


def _read(record: bytes, columns: NppesColumns, codes: frozenset[str]) -> RowOutcome:
    fields = parse_record(record)
    if fields is None:
        npi = record[1:11].decode("ascii", errors="replace") if record.startswith(b'"') else ""
        return Rejection(RejectReason.UNREADABLE_CSV, npi)
    return read_provider_row(fields, columns, codes)


@dataclass
class _Batch:
    """Rows waiting to be written; ``flush`` writes them in one transaction."""

    summary: NppesImportSummary
    columns: NppesColumns
    codes: frozenset[str]
    centroids: CentroidCache = field(default_factory=CentroidCache)
    records: dict[str, ProviderRecord] = field(default_factory=dict)
    deactivations: dict[str, date] = field(default_factory=dict)
    deactivated_shapes: dict[str, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.records) + len(self.deactivations) + len(self.deactivated_shapes)

    def take(self, outcome: RowOutcome) -> None:
        if isinstance(outcome, ProviderRecord):
            self.deactivations.pop(outcome.npi, None)
            self.records[outcome.npi] = outcome
        elif isinstance(outcome, Deactivation):
            self.records.pop(outcome.npi, None)
            self.deactivations[outcome.npi] = outcome.deactivated_on
        elif isinstance(outcome, Rejection):
            self.summary.reject(outcome)
        elif isinstance(outcome, Skip):
            self.summary.skipped[outcome.reason.value] += 1

    def hold_deactivated_shape(self, record: bytes) -> None:
        # Most deactivated NPIs were never in the directory: parse only those that are.
        self.deactivated_shapes[record[1:11].decode("ascii")] = record

    def flush(self) -> None:
        if not self.size:
            return
        with transaction.atomic():
            self._read_held_shapes()
            _apply_deactivations(self.deactivations, self.summary)
            _upsert_providers(self.records, self.summary, self.centroids)
        self.records, self.deactivations, self.deactivated_shapes = {}, {}, {}

    def _read_held_shapes(self) -> None:
        if not self.deactivated_shapes:
            return
        known = Provider.objects.filter(npi__in=list(self.deactivated_shapes)).values_list("npi", flat=True)
        for npi in known:
            outcome = _read(self.deactivated_shapes[npi], self.columns, self.codes)
            if isinstance(outcome, Deactivation) and npi not in self.records:
                self.deactivations[npi] = outcome.deactivated_on


def _apply_deactivations(deactivations: dict[str, date], summary: NppesImportSummary) -> None:
    if not deactivations:
        return
    changed = []
    for provider in Provider.objects.filter(npi__in=list(deactivations)):
        on = deactivations[provider.npi]
        if not provider.is_listed and provider.deactivated_on == on:
            summary.unchanged += 1
            continue
        provider.is_listed, provider.deactivated_on = False, on
        changed.append(provider)
    Provider.objects.bulk_update(changed, ["is_listed", "deactivated_on", "updated_at"])
    summary.unlisted += len(changed)


def _upsert_providers(
    records: dict[str, ProviderRecord], summary: NppesImportSummary, centroids: CentroidCache
) -> None:
    if not records:
        return
    locations = locations_for(records, summary, centroids)
    placed = {npi: record for npi, record in records.items() if record.address.key in locations}
    summary.kept += len(placed)
    existing = {
        provider.npi: provider
        for provider in Provider.objects.filter(npi__in=list(placed)).prefetch_related("locations")
    }
    new_providers = [_new_provider(record) for npi, record in placed.items() if npi not in existing]
    Provider.objects.bulk_create(new_providers)
    summary.created += len(new_providers)
    links = [(provider, locations[placed[provider.npi].address.key]) for provider in new_providers]

    changed, stale_links = [], []
    for npi, provider in existing.items():
        record = placed[npi]
        location = locations[record.address.key]
        fields_changed = _apply_record(provider, record)
        current = {linked.pk: linked for linked in provider.locations.all()}
        if location.pk not in current:
            links.append((provider, location))
            stale_links += [
                (provider.pk, pk)
                for pk, linked in current.items()
                if linked.geocode_source in _IMPORTED_SOURCES
            ]
        if fields_changed:
            changed.append(provider)
        if fields_changed or location.pk not in current:
            summary.updated += 1
        else:
            summary.unchanged += 1
    Provider.objects.bulk_update(changed, [*_COMPARED_FIELDS, "updated_at"])
    _relink(links, stale_links)


def _new_provider(record: ProviderRecord) -> Provider:
    provider = Provider(npi=record.npi)
    _apply_record(provider, record)
    provider.is_listed, provider.deactivated_on = True, None
    return provider


def _apply_record(provider: Provider, record: ProviderRecord) -> bool:
    """Copy the record onto ``provider``; return whether anything stored changed.

    A provider unlisted because of a deactivation is listed again once NPPES shows
    the NPI active; one unlisted by hand (no deactivation date) stays unlisted.
    """
    wanted = {
        "first_name": record.first_name,
        "middle_name": record.middle_name,
        "last_name": record.last_name,
        "credential": record.credential,
        "sex": record.sex,
        "nppes_last_updated": record.last_updated,
        "is_listed": True if provider.deactivated_on is not None else provider.is_listed,
        "deactivated_on": None,
    }
    changed = False
    for name, value in wanted.items():
        if getattr(provider, name) != value:
            setattr(provider, name, value)
            changed = True
    if changed:
        provider.updated_at = timezone.now()
    return changed


def _relink(links: list[tuple[Provider, PracticeLocation]], stale: list[tuple[int, int]]) -> None:
    through = Provider.locations.through
    for provider_id, location_id in stale:
        through.objects.filter(provider_id=provider_id, practicelocation_id=location_id).delete()
    through.objects.bulk_create(
        [through(provider_id=provider.pk, practicelocation_id=location.pk) for provider, location in links],
        ignore_conflicts=True,
    )
