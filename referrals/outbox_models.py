"""The notification outbox, and the records that send each reminder and digest once.

Kept apart from ``referrals.models`` (which imports these at its end, after the referral's
own models they point to); rows are written by the services, ``referrals.notifications``
and ``referrals.reminders``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from directory.models import Practice
from referrals.models import Appointment, Referral, ReferralEvent


class NotificationOutbox(models.Model):
    """A message someone must get about a referral, written in the transaction that caused it.

    The payload carries identifiers and statuses only, never patient names or contact details.
    """

    class RecipientKind(models.TextChoices):
        CLINICIAN = "clinician", "Referring clinician"
        PRACTICE = "practice", "Practice staff"
        PATIENT = "patient", "Patient"
        COORDINATOR = "coordinator", "Referral coordinators"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        FHIR = "fhir", "FHIR endpoint"

    recipient_kind = models.CharField(max_length=16, choices=RecipientKind.choices)
    # The e-mail address, or the FHIR base URL the row is POSTed to (referrals/channels.py).
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    recipient_address = models.CharField(max_length=254, blank=True)
    event_kind = models.CharField(max_length=24, choices=ReferralEvent.Kind.choices)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    # The practice a practice notice went to: its delivery is that practice's channel working.
    practice = models.ForeignKey(
        Practice, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Background delivery: a worker that claims the row holds it until then (a lease, so a
    # killed worker's row comes back); after a failed attempt, the retry waits until then.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outbox_pending_idx"),
            models.Index(fields=["referral", "practice", "status"], name="outbox_delivery_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_kind} to {self.recipient_kind} ({self.status})"


class AppointmentReminder(models.Model):
    """A reminder queued for one appointment at one offset: the record that it goes out once."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    hours_before = models.PositiveSmallIntegerField()
    # A moved appointment is reminded of again for its new time.
    starts_at = models.DateTimeField()
    notification = models.ForeignKey(
        NotificationOutbox, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "hours_before", "starts_at"], name="reminder_once_per_offset"
            )
        ]

    def __str__(self) -> str:
        return f"{self.hours_before} h reminder for appointment {self.appointment_id}"


class PracticeDigest(models.Model):
    """The daily overdue follow-up digest sent to one practice: one row per practice and day."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="digests")
    day = models.DateField()
    follow_ups = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "day"], name="digest_once_per_day")]

    def __str__(self) -> str:
        return f"Digest for practice {self.practice_id} on {self.day:%Y-%m-%d}"
