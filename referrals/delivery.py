"""A referral whose practice cannot be reached moves on, like a decline (docs/workflow.md).

A practice hears of a new referral through its channels (the referral inbox address, its
FHIR endpoint: ``referrals.channels``). When that notice fails for good, or is still undelivered after
``REFERRAL_DELIVERY_GRACE_MINUTES``, the referral moves to the next candidate with a
``delivery_failed`` event, and the practice counts one more failure in a row.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.dispatch import receiver

from directory.services import practice_endpoint_mark_error, practice_record_delivery
from referrals import notifications, selectors, services
from referrals.models import NotificationOutbox, Referral, ReferralEvent

UNDELIVERED_COMMENT = "The practice's referral inbox could not be reached."
UNDELIVERED_TO_ENDPOINT = "The practice's FHIR endpoint could not be reached."
GAVE_UP = "Not delivered within the grace period; the referral moved on."


@transaction.atomic
def referral_move_on_undelivered(*, referral_id: int, now: datetime.datetime | None = None) -> bool:
    """Move the referral on if its practice's notice failed; True when it moved.

    Safe to run twice or concurrently: the referral is locked and re-checked first, so a
    notice that got through in the meantime (or a move already made) changes nothing.
    """
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if (
        referral is None
        or not Referral.objects.filter(selectors.delivery_failed(now), pk=referral_id).exists()
    ):
        return False
    assert referral.practice_id is not None  # a pending referral is always with a practice
    practice_id = referral.practice_id
    notices = NotificationOutbox.objects.filter(referral=referral, practice_id=practice_id)
    endpoint_failed = (
        notices.filter(channel=NotificationOutbox.Channel.FHIR)
        .exclude(status=NotificationOutbox.Status.SENT)
        .exists()
    )
    # A notice still being retried is news of a referral the practice no longer holds.
    notices.filter(status=NotificationOutbox.Status.PENDING).update(
        status=NotificationOutbox.Status.FAILED, next_attempt_at=None, last_error=GAVE_UP
    )
    services.referral_move_on(
        referral=referral,
        kind=ReferralEvent.Kind.DELIVERY_FAILED,
        actor=None,
        comment=UNDELIVERED_TO_ENDPOINT if endpoint_failed else UNDELIVERED_COMMENT,
    )
    practice_record_delivery(practice_id=practice_id, delivered=False)
    if endpoint_failed:
        practice_endpoint_mark_error(practice_id=practice_id)
    return True


def referral_move_on_failed_notice(*, referral_id: int, practice_id: int) -> bool:
    """A notice to the practice failed for good: move the referral on now, unless the practice's
    other channel (its inbox beside its FHIR endpoint) is still on its way; True when it moved.

    That other notice then decides: delivered, the referral stays; failed or past the grace
    period, it moves on then.
    """
    still_trying = NotificationOutbox.objects.filter(
        referral_id=referral_id,
        practice_id=practice_id,
        recipient_kind=NotificationOutbox.RecipientKind.PRACTICE,
        event_kind__in=selectors.DELIVERY_EVENT_KINDS,
        status=NotificationOutbox.Status.PENDING,
    )
    if still_trying.exists():
        return False
    return referral_move_on_undelivered(referral_id=referral_id)


@receiver(notifications.practice_notice_failed)
def _move_on_after_failed_notice(
    sender: object, referral_id: int, practice_id: int, **kwargs: object
) -> None:
    referral_move_on_failed_notice(referral_id=referral_id, practice_id=practice_id)


def referrals_move_on_undelivered(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """The sweep: move on every referral stuck on a failed delivery; returns how many moved."""
    stuck = list(selectors.referrals_with_failed_delivery(now).values_list("pk", flat=True)[:limit])
    return sum(referral_move_on_undelivered(referral_id=referral_id, now=now) for referral_id in stuck)
