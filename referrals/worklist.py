"""The referral coordinators' worklist: what nobody else will pick up, oldest first (docs/workflow.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from directory.models import Practice
from referrals import patient_notices
from referrals.models import NotificationOutbox, Referral, ReferralEvent
from referrals.selectors import (
    delivery_failed,
    failed_notifications_by_kind,
    needs_coordinator,
    practices_needing_attention,
)
from referrals.wording import urgency_label

WORKLIST_LIMIT = 200
# What each kind of notification is about, as a coordinator reads it.
NOTIFICATION_LABELS = {
    **dict(ReferralEvent.Kind.choices),
    patient_notices.REMINDER: "Appointment reminder",
    patient_notices.OUTCOME_REQUEST: "Outcome question to the patient",
}


@dataclass(frozen=True)
class WorklistItem:
    """One referral a coordinator should act on: what is wrong and since when."""

    referral: Referral
    problem: str
    since: datetime.datetime

    @property
    def urgency(self) -> str:
        return urgency_label(self.referral.disposition)


@dataclass(frozen=True)
class FailedNotifications:
    """How many notifications of one kind (what happened, to whom) failed in the last 24 hours."""

    event: str
    recipient: str
    failed: int


def _item(referral: Referral) -> WorklistItem:
    if referral.status == Referral.Status.UNROUTABLE:
        return WorklistItem(referral, "No practice found", referral.updated_at)
    if getattr(referral, "undelivered", False):
        return WorklistItem(referral, "Could not be delivered", referral.updated_at)
    assert referral.acceptance_deadline is not None  # the only other way onto the worklist
    return WorklistItem(referral, "Not answered by its deadline", referral.acceptance_deadline)


def coordinator_worklist(now: datetime.datetime | None = None) -> list[WorklistItem]:
    """Unroutable referrals, referrals past their deadline and undeliverable ones, oldest first."""
    now = now or timezone.now()
    referrals = (
        Referral.objects.filter(needs_coordinator(now))
        .annotate(undelivered=ExpressionWrapper(delivery_failed(now), output_field=BooleanField()))
        .select_related("practice", "requested_procedure", "suspected_condition")
        .order_by("updated_at", "id")[:WORKLIST_LIMIT]
    )
    return sorted(
        (_item(referral) for referral in referrals), key=lambda item: (item.since, item.referral.pk)
    )


def practices_to_look_at() -> list[Practice]:
    """Practices whose channel failed twice or more in a row."""
    return list(practices_needing_attention()[:WORKLIST_LIMIT])


def failed_notifications_last_day(now: datetime.datetime | None = None) -> list[FailedNotifications]:
    """Every kind of notification that failed in the last 24 hours, with its count, most failed first."""
    since = (now or timezone.now()) - datetime.timedelta(hours=24)
    return [
        FailedNotifications(
            event=NOTIFICATION_LABELS.get(row["event_kind"], row["event_kind"]),
            recipient=NotificationOutbox.RecipientKind(row["recipient_kind"]).label,
            failed=row["failed"],
        )
        for row in failed_notifications_by_kind(since)
    ]
