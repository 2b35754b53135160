"""The e-mail each outbox row becomes: its subject and body, by recipient.

Subjects and bodies never carry patient names; a referral is named by the first block of
its public id. The patient's own e-mails are written in ``referrals.patient_notices``, in
the patient's language. ``referrals.notifications`` claims, sends and records them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from referrals.local_time import at_practice
from referrals.models import NotificationOutbox, Referral, ReferralEvent
from referrals.patient_notices import patient_notice

Outbox = NotificationOutbox
EventKind = ReferralEvent.Kind


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def short_reference(referral: Referral) -> str:
    """The first block of the referral's public id: enough to tell referrals apart in a subject."""
    return str(referral.public_id).split("-")[0]


def _absolute(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}"


def _clinician_link(referral: Referral) -> str:
    """The referring clinician's page for the referral (addressed by its opaque id)."""
    return _absolute(reverse("referrals:detail", kwargs={"public_id": referral.public_id}))


def _office_link(referral: Referral) -> str:
    """The office's admin page for the referral."""
    return _absolute(reverse("admin:referrals_referral_change", args=[referral.pk]))


_CLINICIAN_NEWS = {
    EventKind.ACCEPTED: "was accepted",
    EventKind.DECLINED: "was declined and is moving to the next practice",
    EventKind.TIMED_OUT: "was not answered in time and is moving to the next practice",
    EventKind.SCHEDULED: "has an appointment booked",
    EventKind.VISIT_RECORDED: "has a visit recorded",
    EventKind.COMPLETED: "is complete: the outcome is back",
    EventKind.CANCELLED: "was cancelled",
    EventKind.UNROUTABLE: "could not be routed: no practice fits",
    EventKind.EMERGENCY_REDIRECT: "was screened as an emergency: send the patient to emergency care now",
    EventKind.DELIVERY_FAILED: "could not be delivered to the practice and is moving to the next practice",
    EventKind.PRACTICE_UNENROLLED: "is moving to the next practice: the practice stopped receiving referrals",
}


def _clinician_email(row: NotificationOutbox) -> Email:
    referral = row.referral
    news = (
        _CLINICIAN_NEWS.get(EventKind(row.event_kind), "has changed")
        if row.event_kind in EventKind.values
        else "has changed"
    )
    practice = row.payload.get("practice")
    lines = [f"Your referral {short_reference(referral)} {news}."]
    if practice:
        lines.append(f"Practice: {practice}.")
    if row.event_kind == EventKind.COMPLETED and referral.outcome_summary:
        lines += ["", "Outcome:", referral.outcome_summary]
    lines += ["", f"Status now: {referral.get_status_display()}.", f"Details: {_clinician_link(referral)}"]
    return Email(subject=f"Referral {short_reference(referral)} {news}", body="\n".join(lines))


def _practice_email(row: NotificationOutbox) -> Email:
    referral = row.referral
    reference = short_reference(referral)
    if row.event_kind == EventKind.CANCELLED:
        return Email(
            subject=f"Referral {reference} was cancelled",
            body=(
                f"Referral {reference} was cancelled by the referring side.\n\n"
                f"Details: {_office_link(referral)}"
            ),
        )
    deadline = referral.acceptance_deadline
    lines = [
        f"A new {referral.disposition.replace('_', ' ')} referral ({reference}) "
        "is waiting for your practice.",
        "Please accept or decline it in the IR Portal.",
    ]
    if deadline is not None:
        lines.append(f"Answer by {at_practice(deadline, referral)}, or it moves to the next practice.")
    lines += ["", f"Details: {_office_link(referral)}"]
    return Email(subject=f"New referral {reference} awaiting your answer", body="\n".join(lines))


def _patient_email(row: NotificationOutbox) -> Email:
    subject, body = patient_notice(row)
    return Email(subject=subject, body=body)


def _coordinator_email(row: NotificationOutbox) -> Email:
    referral = row.referral
    reference = short_reference(referral)
    if row.event_kind == EventKind.DELIVERY_FAILED:
        news = f"could not be delivered to {row.payload.get('practice') or 'its practice'}"
    else:
        news = "found no practice to go to"
    return Email(
        subject=f"Referral {reference} {news}",
        body=(
            f"Referral {reference} {news}. Status now: {referral.get_status_display()}.\n\n"
            f"It is on the coordinators' worklist: {_absolute(reverse('referrals:worklist'))}\n"
            f"Details: {_office_link(referral)}"
        ),
    )


_RENDERERS: dict[str, Callable[[NotificationOutbox], Email]] = {
    Outbox.RecipientKind.CLINICIAN: _clinician_email,
    Outbox.RecipientKind.PRACTICE: _practice_email,
    Outbox.RecipientKind.PATIENT: _patient_email,
    Outbox.RecipientKind.COORDINATOR: _coordinator_email,
}


def notification_email(row: NotificationOutbox) -> Email:
    """The subject and body of ``row``'s e-mail; subjects never name the patient."""
    return _RENDERERS[row.recipient_kind](row)
