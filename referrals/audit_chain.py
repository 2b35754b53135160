"""The audit log's hash chain: appending in turn, and checking every link (docs/resilience.md).

Each entry's ``chain_hash`` is SHA-256 over the previous entry's hash and the entry's
canonical content (``entry_content``), so changing, removing or inserting an entry breaks
every link after it. Appends lock the one ``AuditChainHead`` row (a row lock on PostgreSQL,
the database's single writer on SQLite): two writers never chain onto the same entry.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from referrals.audit_models import GENESIS_HASH, AuditChainHead, AuditLogEntry

VERIFY_BATCH = 2000


def _ip(value: str | None) -> str | None:
    return str(ipaddress.ip_address(value)) if value else None


def entry_content(entry: Any) -> str:
    """The entry's fields as canonical JSON (sorted keys, UTC time): what its hash covers."""
    at: datetime.datetime = entry.at
    return json.dumps(
        {
            "actor": entry.actor_id,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "at": at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
            "ip_address": _ip(entry.ip_address),
            "detail": entry.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def chained_hash(previous: str, entry: Any) -> str:
    """The hash ``entry`` carries when it follows an entry whose hash is ``previous``."""
    return hashlib.sha256(f"{previous}\n{entry_content(entry)}".encode()).hexdigest()


def chain_append(entries: list[AuditLogEntry]) -> list[AuditLogEntry]:
    """Chain ``entries`` onto the end of the log and save them, in order; returns them saved.

    Runs in the caller's transaction when there is one, so the entries commit (or roll back)
    with the change they record; the head stays locked until then.
    """
    # No savepoint of its own: inside the caller's transaction, a failure here fails that transaction.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        previous = head.last_hash
        for entry in entries:
            entry.chain_hash = previous = chained_hash(previous, entry)
        saved = AuditLogEntry.objects.bulk_create(entries)
        AuditChainHead.objects.filter(pk=1).update(last_hash=previous, entries=F("entries") + len(saved))
    return saved


@dataclass(frozen=True)
class ChainCheck:
    """What a walk along the chain found: how many entries, and the first broken link if any."""

    entries: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problem


def _in_order() -> Iterator[AuditLogEntry]:
    return AuditLogEntry.objects.order_by("id").iterator(chunk_size=VERIFY_BATCH)


def chain_verify() -> ChainCheck:
    """Walk the log in the order it was appended and recompute every link.

    The head is read first, so entries appended while the walk runs never look like a break;
    the walk must pass through the head's hash at the head's count, or entries are missing.
    """
    head = AuditChainHead.objects.filter(pk=1).values_list("entries", "last_hash").first()
    expected_end = head or (0, GENESIS_HASH)
    previous, count, passed_head = GENESIS_HASH, 0, expected_end == (0, GENESIS_HASH)
    for entry in _in_order():
        if chained_hash(previous, entry) != entry.chain_hash:
            return ChainCheck(entries=count, broken_at=entry.pk, problem=_broken(entry))
        previous, count = entry.chain_hash, count + 1
        passed_head = passed_head or (count, previous) == expected_end
    if not passed_head:
        return ChainCheck(
            entries=count,
            problem=f"{expected_end[0]} entries were appended but the chain does not pass through the "
            f"last of them (it has {count}): entries are missing from its end",
        )
    return ChainCheck(entries=count)


def _broken(entry: AuditLogEntry) -> str:
    return (
        f"entry {entry.pk} ({entry.at:%Y-%m-%d %H:%M:%S} UTC) does not follow the entry before it: "
        "this entry or the one before it was changed, or entries between them were removed"
    )
