"""Who may do what to a referral: the roles a user holds and what the transition table lets them do.

Decisions over a referral and a user. The database reads are the user's practice
memberships (``directory.enrolment.practice_ids_for_user``), which callers may pass in to
avoid repeating it, and, for coordinators, whether the referral is theirs to see
(``selectors.needs_coordinator``).
"""

from __future__ import annotations

from typing import Any

from directory.enrolment import practice_ids_for_user
from referrals.models import Referral
from referrals.roles import is_coordinator
from referrals.selectors import referral_needs_coordinator
from referrals.workflow import TRANSITIONS, Role, is_allowed

# A signed-in user or AnonymousUser: anything with is_authenticated, is_active, has_perm.
AnyUser = Any

Status = Referral.Status


def may_refer(user: AnyUser) -> bool:
    """True when ``user`` may submit referrals: a signed-in clinician, never IR office staff.

    Office staff receive referrals (they hold an admin login or a practice membership);
    referring is the primary-care clinician's job.
    """
    if not user.is_authenticated or not user.is_active or user.is_staff:
        return False
    return not practice_ids_for_user(user)


def roles_of(user: AnyUser, referral: Referral, practice_ids: frozenset[int] | None = None) -> set[Role]:
    """The roles ``user`` holds towards ``referral``."""
    if not user.is_authenticated or not user.is_active:
        return set()
    roles: set[Role] = set()
    if getattr(user, "is_superuser", False):
        roles.add(Role.SUPERUSER)
    if referral.clinician_id == user.pk:
        roles.add(Role.REFERRER)
    ids = practice_ids_for_user(user) if practice_ids is None else practice_ids
    if referral.practice_id is not None and referral.practice_id in ids:
        roles.add(Role.PRACTICE_STAFF)
    if is_coordinator(user):
        roles.add(Role.ROUTER)
    return roles


def may_see(user: AnyUser, referral: Referral, practice_ids: frozenset[int] | None = None) -> bool:
    """True when ``user`` may see ``referral`` at all.

    The referrer, staff of the practice it is with, and superusers; referral coordinators
    (who route by hand) also see referrals that are unroutable or stuck, while they are.
    """
    roles = roles_of(user, referral, practice_ids)
    if Role.ROUTER in roles and referral_needs_coordinator(referral):
        return True
    return bool(roles & {Role.REFERRER, Role.PRACTICE_STAFF, Role.SUPERUSER})


# How IR office staff see a practice other than their own on a referral's timeline.
ANOTHER_PRACTICE = "another practice"


def sees_every_practice(
    user: AnyUser, referral: Referral, practice_ids: frozenset[int] | None = None
) -> bool:
    """True when ``user`` may know which other practices had ``referral``, why they declined,
    what they wrote and how busy they are: the referrer, coordinators (who route by hand) and
    superusers. IR office staff see any other practice only as "another practice".
    """
    return bool(roles_of(user, referral, practice_ids) & {Role.REFERRER, Role.ROUTER, Role.SUPERUSER})


def allowed_actions(referral: Referral, user: Any, practice_ids: frozenset[int] | None = None) -> list[str]:
    """The actions ``user`` may take on ``referral`` now, in the order of the transition table."""
    roles = roles_of(user, referral, practice_ids)
    return [action.value for action in TRANSITIONS if is_allowed(action, roles=roles, status=referral.status)]
