"""Recording a change: the referral's timeline event and the notifications it calls for."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from directory.enrolment import EndpointStatus
from directory.models import Practice
from referrals import notifications
from referrals.models import NotificationOutbox, Referral, ReferralEvent

EventKind = ReferralEvent.Kind


def _notification_payload(referral: Referral, event: ReferralEvent) -> dict[str, Any]:
    # Identifiers and statuses only: the payload may travel by e-mail, patient names may not.
    return {
        "referral": str(referral.public_id),
        "event": event.kind,
        "status": referral.status,
        "disposition": referral.disposition,
        "practice": event.practice.name if event.practice else None,
        "at": event.created_at.isoformat(),
    }


def _practice_channels(practice: Practice) -> list[tuple[str, str]]:
    """(channel, address) for each way a practice hears of its referrals (docs/workflow.md).

    Its monitored referral inbox, and its FHIR endpoint while that is active. A practice with
    neither still gets an e-mail row without an address, so delivery flags it as failed.
    """
    Channel = NotificationOutbox.Channel
    rows = [(Channel.EMAIL.value, practice.referral_inbox_email)] if practice.referral_inbox_email else []
    if practice.fhir_base_url and practice.fhir_endpoint_status == EndpointStatus.ACTIVE:
        return [*rows, (Channel.FHIR.value, practice.fhir_base_url)]
    return rows or [(Channel.EMAIL.value, "")]


# Who must hear about each kind of event: the practice it concerns, the referrer, the coordinators.
_PRACTICE_EVENTS = {EventKind.ROUTED, EventKind.ROUTED_BY_HAND, EventKind.CANCELLED}
_CLINICIAN_EVENTS = set(EventKind) - {EventKind.SUBMITTED, EventKind.ROUTED, EventKind.ROUTED_BY_HAND}
_COORDINATOR_EVENTS = {EventKind.UNROUTABLE, EventKind.DELIVERY_FAILED}


def _recipients(referral: Referral, event: ReferralEvent) -> list[tuple[str, str, str, Practice | None]]:
    """(recipient kind, channel, address, practice) for each notification ``event`` calls for."""
    kinds = NotificationOutbox.RecipientKind
    email = NotificationOutbox.Channel.EMAIL.value
    rows: list[tuple[str, str, str, Practice | None]] = []
    if event.kind in _CLINICIAN_EVENTS:
        rows.append((kinds.CLINICIAN, email, referral.clinician.email, None))
    if event.kind in _PRACTICE_EVENTS and event.practice is not None:
        rows += [
            (kinds.PRACTICE, channel, address, event.practice)
            for channel, address in _practice_channels(event.practice)
        ]
    if event.kind == EventKind.SCHEDULED and referral.patient.email:
        rows.append((kinds.PATIENT, email, referral.patient.email, None))
    if event.kind in _COORDINATOR_EVENTS:
        rows.append((kinds.COORDINATOR, email, settings.REFERRAL_COORDINATOR_EMAIL, None))
    return rows


def queue_notifications(referral: Referral, event: ReferralEvent) -> None:
    """Queue the notifications ``event`` calls for, in the caller's transaction."""
    payload = _notification_payload(referral, event)
    created = NotificationOutbox.objects.bulk_create(
        NotificationOutbox(
            recipient_kind=kind,
            channel=channel,
            recipient_address=address,
            event_kind=event.kind,
            referral=referral,
            practice=practice,
            payload=payload,
        )
        for kind, channel, address, practice in _recipients(referral, event)
    )
    notifications.deliver_after_commit([row.pk for row in created])


def record_event(
    referral: Referral,
    *,
    kind: str,
    actor: Any,
    from_status: str,
    practice: Practice | None = None,
    reason: str = "",
    comment: str = "",
    shortlist: list[dict[str, Any]] | None = None,
    notify: bool = True,
) -> ReferralEvent:
    """Append a timeline event (and its notifications) for a change already made to ``referral``."""
    event = ReferralEvent.objects.create(
        referral=referral,
        actor=actor if actor is not None and actor.is_authenticated else None,
        kind=kind,
        from_status=from_status,
        to_status=referral.status,
        practice=practice,
        reason=reason,
        comment=comment,
        shortlist=shortlist or [],
    )
    if notify:
        queue_notifications(referral, event)
    return event
