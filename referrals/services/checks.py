"""Checks every referral service makes before it changes anything: lock, authorise, validate."""

from __future__ import annotations

from typing import Any

from directory.enrolment import practice_ids_for_user
from referrals import access
from referrals.models import Referral
from referrals.services.errors import ActionForbidden, InvalidInput, InvalidTransition, PermissionDenied
from referrals.workflow import Transition


def locked(referral: Referral) -> Referral:
    """``referral`` locked and refreshed in place: the state every check below decides on.

    Refreshing the caller's own object (rather than returning a copy) means the caller
    sees the new state after the service returns.
    """
    Referral.objects.select_for_update().filter(pk=referral.pk).values_list("pk").get()
    referral.refresh_from_db()
    return referral


def authorize(row: Transition, *, user: Any, referral: Referral) -> None:
    """Raise unless ``user`` may take the action of ``row`` on ``referral`` in its current state."""
    practice_ids = practice_ids_for_user(user)
    roles = access.roles_of(user, referral, practice_ids)
    if not access.may_see(user, referral, practice_ids):
        raise PermissionDenied("No such referral.")
    if not row.roles.intersection(roles):
        raise ActionForbidden(f"You may not {row.action.value.replace('_', ' ')} this referral.")
    if referral.status not in row.from_statuses:
        raise InvalidTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot be {row.past_tense}."
        )


def validate_pain_score(pain_score: int | None, *, field_name: str = "pain_score") -> None:
    if pain_score is not None and not 0 <= pain_score <= 10:
        raise InvalidInput({field_name: ["Pain score must be a whole number from 0 to 10."]})


def required_text(value: str, *, field_name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput({field_name: [f"Please give {what}."]})
    return text
