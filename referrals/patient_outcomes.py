"""Patients report their own outcome: one-time links sent when a follow-up falls due, and the answers.

A link is an opaque random token (it names nobody), works once, and expires
``OUTCOME_LINK_DAYS`` after it was made. Links are sent through the notification outbox to the
e-mail on the referral; the answer is stored against the referral and counts in the loop
metrics. Every write here is atomic and safe to run twice.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from referrals import notifications, patient_notices
from referrals.models import FollowUp, NotificationOutbox, OutcomeInvite, PatientReportedOutcome, Referral

Impression = PatientReportedOutcome.GlobalImpression
# Referrals whose patients are no longer asked: the referral was withdrawn or never reached IR.
NOT_ASKED = (Referral.Status.CANCELLED, Referral.Status.EMERGENCY_REDIRECT)


class LinkUnusable(Exception):
    """The link does not exist, was used, or has expired: told apart from nothing on purpose."""


class InvalidAnswer(ValueError):
    """The answer is incomplete or out of range; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def outcome_invite_create(
    *, referral: Referral, follow_up: FollowUp | None = None, now: datetime.datetime | None = None
) -> OutcomeInvite:
    """A new link for ``referral``, not sent to anyone (``outcome_invite_send`` sends one)."""
    now = now or timezone.now()
    return OutcomeInvite.objects.create(
        referral=referral,
        follow_up=follow_up,
        token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.OUTCOME_LINK_DAYS),
    )


@transaction.atomic
def outcome_invite_send(
    *, referral: Referral, follow_up: FollowUp | None = None, now: datetime.datetime | None = None
) -> OutcomeInvite:
    """Make a link for ``referral`` and queue the e-mail carrying it to the patient's address.

    Raises ``IntegrityError`` if ``follow_up`` already sent one (one link per follow-up).
    """
    invite = outcome_invite_create(referral=referral, follow_up=follow_up, now=now)
    row = NotificationOutbox.objects.create(
        recipient_kind=NotificationOutbox.RecipientKind.PATIENT,
        recipient_address=referral.patient.email,
        event_kind=patient_notices.OUTCOME_REQUEST,
        referral=referral,
        payload={"invite": invite.pk},
    )
    notifications.deliver_after_commit([row.pk])
    return invite


def follow_ups_to_ask_about(today: datetime.date) -> list[FollowUp]:
    """Follow-ups due in the last ``OUTCOME_LINK_DAYS`` days with no link yet, patient e-mail on file."""
    oldest = today - datetime.timedelta(days=settings.OUTCOME_LINK_DAYS)
    return list(
        FollowUp.objects.filter(due_on__lte=today, due_on__gt=oldest, outcome_invite__isnull=True)
        .exclude(referral__patient__email="")
        .exclude(referral__status__in=NOT_ASKED)
        .select_related("referral__patient")
        .order_by("due_on", "id")
    )


def outcome_invites_queue(*, now: datetime.datetime | None = None) -> int:
    """Send a link for every follow-up that has fallen due; returns how many went out.

    Each follow-up sends one link, however often or wherever this runs.
    """
    now = now or timezone.now()
    sent = 0
    for follow_up in follow_ups_to_ask_about(timezone.localtime(now).date()):
        try:
            outcome_invite_send(referral=follow_up.referral, follow_up=follow_up, now=now)
        except IntegrityError:
            continue  # another worker sent it first
        sent += 1
    return sent


def usable_invite(token: str, *, now: datetime.datetime | None = None) -> OutcomeInvite | None:
    """The unused, unexpired invite with this token, or None (unknown, used and expired alike)."""
    invite = OutcomeInvite.objects.filter(token=token[:64]).first()
    return invite if invite is not None and invite.is_usable(now) else None


def answer_errors(pain_score: Any, global_impression: Any) -> dict[str, str]:
    """What is wrong with an answer, by field; empty when it can be stored."""
    errors = {}
    if not isinstance(pain_score, int) or isinstance(pain_score, bool) or not 0 <= pain_score <= 10:
        errors["pain_score"] = "Choose a number from 0 to 10."
    if global_impression not in Impression.values:
        errors["global_impression"] = "Choose how you feel compared with before the treatment."
    return errors


@transaction.atomic
def outcome_report_submit(
    *, token: str, pain_score: int, global_impression: str, now: datetime.datetime | None = None
) -> PatientReportedOutcome:
    """Store the patient's answer and use the link up; only one of concurrent answers succeeds.

    Raises ``InvalidAnswer`` (nothing stored, link still usable) or ``LinkUnusable``.
    """
    errors = answer_errors(pain_score, global_impression)
    if errors:
        raise InvalidAnswer(errors)
    now = now or timezone.now()
    # Claim the link with one conditional UPDATE: a second answer changes no row.
    claimed = OutcomeInvite.objects.filter(token=token[:64], used_at__isnull=True, expires_at__gt=now).update(
        used_at=now
    )
    if claimed != 1:
        raise LinkUnusable("This link cannot be used.")
    invite = OutcomeInvite.objects.get(token=token[:64])
    return PatientReportedOutcome.objects.create(
        referral_id=invite.referral_id,
        invite=invite,
        pain_score=pain_score,
        global_impression=global_impression,
        reported_at=now,
    )
