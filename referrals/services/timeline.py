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


def _practice_addresses(practice: Practice) -> list[str]:
    """Where a practice hears of its referrals: its monitored referral inbox.

    A practice reached through its FHIR endpoint alone gets no e-mail; one with neither
    channel still gets a row without an address, so delivery flags it as failed.
    """
    if practice.referral_inbox_email:
        return [practice.referral_inbox_email]
    fhir_only = practice.fhir_base_url and practice.fhir_endpoint_status == EndpointStatus.ACTIVE
    return [] if fhir_only else [""]


# Who must hear about each kind of event: the practice it concerns, the referrer, the coordinators.
_PRACTICE_EVENTS = {EventKind.ROUTED, EventKind.ROUTED_BY_HAND, EventKind.CANCELLED}
_CLINICIAN_EVENTS = set(EventKind) - {EventKind.SUBMITTED, EventKind.ROUTED, EventKind.ROUTED_BY_HAND}
_COORDINATOR_EVENTS = {EventKind.UNROUTABLE, EventKind.DELIVERY_FAILED}


def _recipients(referral: Referral, event: ReferralEvent) -> list[tuple[str, str, Practice | None]]:
    """(recipient kind, address, practice) for each notification ``event`` calls for."""
    kinds = NotificationOutbox.RecipientKind
    rows: list[tuple[str, str, Practice | None]] = []
    if event.kind in _CLINICIAN_EVENTS:
        rows.append((kinds.CLINICIAN, referral.clinician.email, None))
    if event.kind in _PRACTICE_EVENTS and event.practice is not None:
        rows += [(kinds.PRACTICE, a, event.practice) for a in _practice_addresses(event.practice)]
    if event.kind == EventKind.SCHEDULED and referral.patient.email:
        rows.append((kinds.PATIENT, referral.patient.email, None))
    if event.kind in _COORDINATOR_EVENTS:
        rows.append((kinds.COORDINATOR, settings.REFERRAL_COORDINATOR_EMAIL, None))
    return rows


def queue_notifications(referral: Referral, event: ReferralEvent) -> None:
    """Queue the notifications ``event`` calls for, in the caller's transaction."""
    payload = _notification_payload(referral, event)
    created = NotificationOutbox.objects.bulk_create(
        NotificationOutbox(
            recipient_kind=kind,
            recipient_address=address,
            event_kind=event.kind,
            referral=referral,
            practice=practice,
            payload=payload,
        )
        for kind, address, practice in _recipients(referral, event)
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
