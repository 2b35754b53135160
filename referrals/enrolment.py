"""Enrolling and un-enrolling practices, with what that means for their referrals (docs/workflow.md).

A pending referral never waits on a practice that no longer receives referrals: un-enrolling
it, switching its referrals off, or it losing its last active staff member or its last
working channel moves each of its pending referrals on at once, each with a
``practice_unenrolled`` event saying why. The directory cannot call into referrals, so the
last three are noticed by ``watch_practices`` (connected when the app starts) whatever
changed them: the admin, a script, a deactivated user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from directory.enrolment import PracticeMembership, enrolment_gaps
from directory.models import Practice
from directory.services import practice_unenrol
from referrals import services
from referrals.models import Referral, ReferralEvent


def _move_pending_on(practice: Practice, *, actor: Any, why: str) -> int:
    """Move each pending referral of ``practice`` to its next candidate; returns how many moved."""
    pending = Referral.objects.select_for_update().filter(practice=practice, status=Referral.Status.PENDING)
    moved = 0
    for referral in pending.order_by("created_at", "id"):
        services.referral_move_on(
            referral=referral,
            kind=ReferralEvent.Kind.PRACTICE_UNENROLLED,
            actor=actor if actor is not None and actor.is_authenticated else None,
            comment=why,
        )
        moved += 1
    return moved


@transaction.atomic
def practice_withdraw(*, practice: Practice, actor: Any) -> int:
    """Un-enrol ``practice`` and move each of its pending referrals on at once; returns how many moved.

    Each move is a ``practice_unenrolled`` event naming the practice, so none is left
    waiting on a practice that no longer receives referrals.
    """
    practice_unenrol(practice=practice)
    why = f"{practice.name} no longer receives referrals through the portal."
    return _move_pending_on(practice, actor=actor, why=why)


def _why_not_receiving(practice: Practice) -> str:
    return f"{practice.name} no longer receives referrals: {'; '.join(enrolment_gaps(practice).values())}."


@transaction.atomic
def practice_release_pending(*, practice_id: int) -> int:
    """If the enrolled practice has lapsed, move its pending referrals on; returns how many moved.

    Lapsed: enrolled, but no longer receiving referrals (switched off, no active staff member,
    no working channel). Nothing happens while it still receives them, when it holds no
    pending referral, or when it is not enrolled (un-enrolling moves them: ``practice_withdraw``).
    """
    if not Referral.objects.filter(practice_id=practice_id, status=Referral.Status.PENDING).exists():
        return 0
    enrolled = Practice.objects.filter(pk=practice_id, enrolled_at__isnull=False)
    if not enrolled.exists() or enrolled.receiving_referrals().exists():
        return 0
    practice = enrolled.get()
    return _move_pending_on(practice, actor=None, why=_why_not_receiving(practice))


def _practice_saved(sender: Any, instance: Practice, **kwargs: Any) -> None:
    practice_release_pending(practice_id=instance.pk)


def _membership_gone(sender: Any, instance: PracticeMembership, **kwargs: Any) -> None:
    practice_release_pending(practice_id=instance.practice_id)


def _user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return  # a login, a new password: nothing that changes who works where
    for practice_id in PracticeMembership.objects.filter(user=instance).values_list("practice_id", flat=True):
        practice_release_pending(practice_id=practice_id)


def watch_practices() -> None:
    """Move referrals on when a practice changes, loses a staff member, or a staff user is
    deactivated (called once, as the app starts)."""
    post_save.connect(_practice_saved, sender=Practice, dispatch_uid="referrals.practice_saved")
    post_delete.connect(_membership_gone, sender=PracticeMembership, dispatch_uid="referrals.membership_gone")
    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="referrals.user_saved")
