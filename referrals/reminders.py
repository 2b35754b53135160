"""Appointment reminders and the daily digest of overdue follow-ups.

Each reminder and each digest is recorded under a unique key (appointment, offset, time;
practice, day), written in the same transaction as what it sends, so two workers racing
on the same due work produce one message.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from directory.models import Practice, PracticeMembership
from directory.time_zones import format_day
from referrals import notice_emails, notifications, patient_notices
from referrals.models import (
    Appointment,
    AppointmentReminder,
    FollowUp,
    NotificationOutbox,
    PracticeDigest,
    Referral,
)

logger = logging.getLogger(__name__)


# --- Appointment reminders ---------------------------------------------------------


def reminder_offset_due(
    *, starts_at: datetime.datetime, now: datetime.datetime, offsets: Sequence[int]
) -> int | None:
    """The reminder (hours before) an appointment is due for now: the smallest offset it is within.

    None when the appointment is further away than every offset, or already past. A visit
    booked 10 hours ahead gets the 24-hour reminder only, never a late 48-hour one as well.
    """
    if starts_at <= now:
        return None
    for hours in sorted(offsets):
        if starts_at - now <= datetime.timedelta(hours=hours):
            return hours
    return None


def _appointments_to_remind(now: datetime.datetime) -> list[Appointment]:
    horizon = now + datetime.timedelta(hours=max(settings.APPOINTMENT_REMINDER_HOURS))
    return list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED, starts_at__gt=now, starts_at__lte=horizon
        )
        .exclude(referral__patient__email="")
        .select_related("referral__patient")
        .order_by("starts_at", "id")
    )


def _reminder_queue(appointment: Appointment, *, hours: int) -> bool:
    """Record the reminder and its outbox row together; False if someone already did."""
    try:
        with transaction.atomic():
            reminder = AppointmentReminder.objects.create(
                appointment=appointment, hours_before=hours, starts_at=appointment.starts_at
            )
            row = NotificationOutbox.objects.create(
                recipient_kind=NotificationOutbox.RecipientKind.PATIENT,
                recipient_address=appointment.referral.patient.email,
                event_kind=patient_notices.REMINDER,
                referral=appointment.referral,
                payload={"appointment": appointment.pk, "hours_before": hours},
            )
            reminder.notification = row
            reminder.save(update_fields=["notification"])
            notifications.deliver_after_commit([row.pk])
    except IntegrityError:
        return False
    return True


def appointment_reminders_queue(*, now: datetime.datetime | None = None) -> int:
    """Queue every reminder that is due now (``APPOINTMENT_REMINDER_HOURS``); returns how many.

    Only patients with an e-mail on file are reminded. Each appointment gets each reminder
    once for its booked time, however often or wherever this runs.
    """
    now = now or timezone.now()
    appointments = _appointments_to_remind(now)
    done = set(
        AppointmentReminder.objects.filter(appointment__in=appointments).values_list(
            "appointment_id", "hours_before", "starts_at"
        )
    )
    queued = 0
    for appointment in appointments:
        hours = reminder_offset_due(
            starts_at=appointment.starts_at, now=now, offsets=settings.APPOINTMENT_REMINDER_HOURS
        )
        if hours is None or (appointment.pk, hours, appointment.starts_at) in done:
            continue
        queued += _reminder_queue(appointment, hours=hours)
    return queued


# --- Overdue follow-up digest --------------------------------------------------------


def overdue_follow_ups_by_practice(today: datetime.date) -> dict[int, list[FollowUp]]:
    """Follow-ups past due with no kept appointment, of referrals still open, by practice id."""
    follow_ups = (
        FollowUp.objects.filter(due_on__lt=today, referral__practice__isnull=False)
        .exclude(referral__status=Referral.Status.CANCELLED)
        .filter(Q(appointment__isnull=True) | ~Q(appointment__status__in=Appointment.KEPT_STATUSES))
        .select_related("referral")
        .order_by("due_on", "id")
    )
    grouped: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in follow_ups:
        assert follow_up.referral.practice_id is not None
        grouped[follow_up.referral.practice_id].append(follow_up)
    return dict(grouped)


def _staff_addresses(practice_id: int) -> list[str]:
    emails = PracticeMembership.objects.filter(practice_id=practice_id, user__is_active=True).values_list(
        "user__email", flat=True
    )
    return sorted({email for email in emails if email})


def digest_email_body(follow_ups: Sequence[FollowUp], *, today: datetime.date) -> str:
    """The digest's text: one line per overdue follow-up, by referral reference and due date."""
    lines = [f"{len(follow_ups)} follow-up visit(s) are overdue and not booked:", ""]
    for follow_up in follow_ups:
        days = (today - follow_up.due_on).days
        lines.append(
            f"- referral {notice_emails.short_reference(follow_up.referral)}: "
            f"{follow_up.get_kind_display().lower()} due {format_day(follow_up.due_on)} ({days} day(s) ago)"
        )
    lines += ["", "Book them in the IR Portal, or record why they will not happen."]
    return "\n".join(lines)


def _practice_digest_send(practice_id: int, follow_ups: list[FollowUp], *, today: datetime.date) -> bool:
    """Record and send one practice's digest in one transaction; False if already sent today.

    A mail failure rolls the record back, so the next run tries again.
    """
    addresses = _staff_addresses(practice_id)
    if not addresses:
        logger.warning("Practice %s has overdue follow-ups but no staff e-mail on file.", practice_id)
        return False
    try:
        with transaction.atomic():
            PracticeDigest.objects.create(practice_id=practice_id, day=today, follow_ups=len(follow_ups))
            EmailMessage(
                subject=f"{len(follow_ups)} overdue follow-up(s) on {format_day(today)}",
                body=digest_email_body(follow_ups, today=today),
                to=addresses,
            ).send()
    except IntegrityError:
        return False
    return True


def practice_digests_send(*, now: datetime.datetime | None = None) -> int:
    """Send today's overdue follow-up digest to each practice that has any; returns how many went.

    Nothing goes before ``DIGEST_HOUR`` local time; after it, each practice gets one a day.
    """
    local_now = timezone.localtime(now or timezone.now())
    if local_now.hour < settings.DIGEST_HOUR:
        return 0
    today = local_now.date()
    already = set(PracticeDigest.objects.filter(day=today).values_list("practice_id", flat=True))
    sent = 0
    for practice_id, follow_ups in overdue_follow_ups_by_practice(today).items():
        if practice_id not in already and Practice.objects.filter(pk=practice_id).exists():
            sent += _practice_digest_send(practice_id, follow_ups, today=today)
    return sent
