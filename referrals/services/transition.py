"""How a person's action moves a referral: lock, authorise, change, save, record.

Every action service runs its own checks and writes inside ``referral_transition``; the
status it ends in comes from the transition table (``referrals.workflow``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from referrals.models import Referral
from referrals.services.checks import authorize, locked
from referrals.services.timeline import record_event
from referrals.workflow import TRANSITIONS, Action, Transition


@dataclass
class Change:
    """What a service adds to its transition while it holds the referral's lock."""

    referral: Referral
    from_status: str
    fields: dict[str, Any] = field(default_factory=dict)  # saved with the status
    reason: str = ""
    comment: str = ""
    moves: bool = True  # False when the table's ``when`` does not hold: the status stays


@contextmanager
def referral_transition(action: Action, *, referral: Referral, user: Any) -> Iterator[Change]:
    """Lock ``referral`` (refreshed in place) and check ``user`` may take ``action`` now.

    The caller's block then validates and writes what is its own; when it ends without an
    error, the status moves as the table says, the change is saved and a timeline event
    (with its notifications) is recorded. An error in the block leaves the status alone.
    """
    row = TRANSITIONS[action]
    locked(referral)
    authorize(row, user=user, referral=referral)
    change = Change(referral=referral, from_status=referral.status)
    yield change
    _apply(row, change)
    record_event(
        referral,
        kind=row.event,
        actor=user,
        from_status=change.from_status,
        practice=referral.practice,
        reason=change.reason,
        comment=change.comment,
    )


def _apply(row: Transition, change: Change) -> None:
    """Set and save the new status and ``change.fields``; nothing is saved if neither changes."""
    referral = change.referral
    to_status = row.status_after(change.from_status) if change.moves else change.from_status
    if to_status == change.from_status and not change.fields:
        return
    referral.status = to_status
    for name, value in change.fields.items():
        setattr(referral, name, value)
    referral.save(update_fields=["status", *change.fields, "updated_at"])
