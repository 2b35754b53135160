"""The refusals a referral service can give; each maps to one HTTP status in the adapters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ReferralError(Exception):
    """Base of every refusal a referral service can give."""


class PermissionDenied(ReferralError):
    """The user may not see this referral; screens show it as missing (404)."""


class ActionForbidden(ReferralError):
    """The user sees the referral but their role may not take this action (403)."""


class InvalidTransition(ReferralError):
    """The referral's (or appointment's) current state does not allow this (409)."""


class SlotTaken(InvalidTransition):
    """Someone already holds this appointment slot (409)."""


class IdempotencyConflict(ReferralError):
    """The idempotency key was already used for a different request (422)."""


class InvalidInput(ReferralError):
    """Bad input; ``errors`` maps field names (nested for patient fields) to messages (400)."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__(str(errors))
        self.errors = dict(errors)
