"""Referrals: who was sent where, why, and everything that happened until the loop closed.

Rows here are written by ``referrals.services`` only; models hold data, constraints and
small facts about one row.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from directory.models import Condition, Practice, PracticeLocation, Procedure, Provider
from directory.time_zones import format_day, format_when, zone_info

PAIN_SCORE_RANGE = Q(pain_score__isnull=True) | Q(pain_score__gte=0, pain_score__lte=10)


class Patient(models.Model):
    """The minimum a practice needs to reach and identify a referred patient."""

    class Sex(models.TextChoices):
        """FHIR administrative-gender codes, so the API, the FHIR exchange and the rows agree."""

        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=7, choices=Sex.choices)
    phone = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    postal_code = models.CharField(max_length=10, help_text="5-digit ZIP; routing searches around it.")
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the patient's notices and outcome page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: datetime.date) -> int:
        """Whole years of age on ``day``."""
        had_birthday = (day.month, day.day) >= (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - (0 if had_birthday else 1)


class Referral(models.Model):
    """A clinician handing one patient over to an IR practice, and where that stands now."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the practice"
        ACCEPTED = "accepted", "Accepted"
        SCHEDULED = "scheduled", "Scheduled"
        IN_TREATMENT = "in_treatment", "In treatment"
        COMPLETED = "completed", "Completed"
        UNROUTABLE = "unroutable", "No practice found"
        CANCELLED = "cancelled", "Cancelled"
        EMERGENCY_REDIRECT = "emergency_redirect", "Sent to emergency care"

    # Referrals a practice still has to work on: they count as its workload when routing.
    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.PENDING, Status.ACCEPTED, Status.SCHEDULED)
    CLOSED_STATUSES: ClassVar[tuple[str, ...]] = (
        Status.COMPLETED,
        Status.CANCELLED,
        Status.EMERGENCY_REDIRECT,
    )

    # The only identifier that leaves the database: in URLs, the API and notifications.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    assessment = models.ForeignKey("triage.Assessment", on_delete=models.PROTECT, related_name="referrals")
    # Copied from the assessment so lists can sort and filter by urgency without a join.
    disposition = models.CharField(max_length=16, db_index=True)
    clinical_question = models.TextField(max_length=4000)
    requested_procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    suspected_condition = models.ForeignKey(
        Condition, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    pain_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Baseline pain, 0 (none) to 10 (worst imaginable)."
    )
    imaging_summary = models.TextField(max_length=4000, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    practice = models.ForeignKey(
        Practice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="The practice the referral is with now.",
    )
    practice_location = models.ForeignKey(
        PracticeLocation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    practice_distance_mi = models.FloatField(null=True, blank=True)
    acceptance_deadline = models.DateTimeField(null=True, blank=True)
    outcome_summary = models.TextField(max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # A retried submission carries the same key: it must find this row, not make a second one.
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    # Not stored: the shortlist (with addresses) of a routing done on this very instance, so
    # the answer to the request that routed it reads nothing back (selectors.referral_latest_shortlist).
    routed_shortlist: list[dict[str, Any]] | None = None

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("route_referral_by_hand", "Can route an unroutable referral by hand")]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_procedure__isnull=False) | Q(suspected_condition__isnull=False),
                name="referral_names_procedure_or_condition",
            ),
            models.CheckConstraint(condition=PAIN_SCORE_RANGE, name="referral_pain_score_0_to_10"),
            models.UniqueConstraint(
                fields=["clinician", "idempotency_key"], name="referral_idempotency_key_per_clinician"
            ),
        ]
        indexes = [
            models.Index(fields=["practice", "status", "-created_at"], name="referral_practice_status_idx"),
            models.Index(fields=["clinician", "-created_at"], name="referral_clinician_idx"),
            models.Index(fields=["status", "acceptance_deadline"], name="referral_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.public_id}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    def is_past_deadline(self, now: datetime.datetime | None = None) -> bool:
        """True when the current practice let the acceptance deadline pass without answering."""
        if self.status != self.Status.PENDING or self.acceptance_deadline is None:
            return False
        return (now or timezone.now()) >= self.acceptance_deadline


class ReferralEvent(models.Model):
    """One step in a referral's timeline: a status change or a routing move, with who and why."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ROUTED = "routed", "Routed to a practice"
        UNROUTABLE = "unroutable", "No practice found"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        TIMED_OUT = "timed_out", "Not answered in time"
        SCHEDULED = "scheduled", "Appointment booked"
        VISIT_RECORDED = "visit_recorded", "Visit recorded"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        ROUTED_BY_HAND = "routed_by_hand", "Routed by hand"
        EMERGENCY_REDIRECT = "emergency_redirect", "Sent to emergency care"
        DELIVERY_FAILED = "delivery_failed", "Could not be delivered"
        PRACTICE_UNENROLLED = "practice_unenrolled", "Practice stopped receiving referrals"

    class Reason(models.TextChoices):
        NOT_OFFERED = "not_offered", "We do not offer what is asked"
        CAPACITY = "capacity", "No capacity in time"
        OUT_OF_NETWORK = "out_of_network", "Out of network for the patient"
        CLINICAL_MISMATCH = "clinical_mismatch", "Not clinically appropriate for IR"
        PATIENT_PREFERENCE = "patient_preference", "The patient's preference"
        OTHER = "other", "Other (see comment)"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the portal itself acted (routing, deadlines).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    from_status = models.CharField(max_length=20, choices=Referral.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Referral.Status.choices, blank=True)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    comment = models.TextField(max_length=2000, blank=True)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="referral_events"
    )
    # Routing moves keep the ranked candidates they chose from, so anyone can see why.
    shortlist = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["referral", "kind"], name="event_referral_kind_idx")]

    def __str__(self) -> str:
        location = self.referral.practice_location
        zone = zone_info(location.time_zone if location is not None else None)
        return f"{self.get_kind_display()}, {format_when(self.created_at, zone)}"


class Appointment(models.Model):
    """A visit booked by the practice for a referral."""

    class Kind(models.TextChoices):
        CONSULT = "consult", "Consultation"
        PROCEDURE = "procedure", "Procedure"
        FOLLOW_UP = "follow_up", "Follow-up"
        IMAGING = "imaging", "Imaging"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        FULFILLED = "fulfilled", "Fulfilled"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not attend"

    # Appointments that still hold their slot (or were kept): they satisfy a follow-up.
    KEPT_STATUSES: ClassVar[tuple[str, ...]] = (Status.BOOKED, Status.ARRIVED, Status.FULFILLED)
    SLOT_HOLDING_STATUSES: ClassVar[tuple[str, ...]] = (Status.BOOKED, Status.ARRIVED)

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="appointments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="appointments")
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    location = models.ForeignKey(
        PracticeLocation, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    pain_score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Pain at the visit, 0 (none) to 10 (worst imaginable)."
    )
    procedure_performed = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=PAIN_SCORE_RANGE, name="appointment_pain_score_0_to_10"),
            # One slot, one patient: a provider (or, with no provider named, the practice)
            # cannot hold two live bookings at the same time, however many requests race.
            models.UniqueConstraint(
                fields=["provider", "starts_at"],
                condition=Q(status__in=["booked", "arrived"], provider__isnull=False),
                name="appointment_provider_slot_free",
            ),
            models.UniqueConstraint(
                fields=["practice", "starts_at"],
                condition=Q(status__in=["booked", "arrived"], provider__isnull=True),
                name="appointment_practice_slot_free",
            ),
        ]
        indexes = [
            models.Index(fields=["referral", "status", "starts_at"], name="appointment_next_idx"),
        ]

    def __str__(self) -> str:
        zone = zone_info(self.location.time_zone if self.location is not None else None)
        return f"{self.get_kind_display()}, {format_when(self.starts_at, zone)}"


class FollowUp(models.Model):
    """A visit that is due after a procedure (by default two weeks and three months after).

    A follow-up is covered by the appointment booked for it (``appointment``); it is
    overdue when its due date has passed and it has no appointment that was booked,
    attended or fulfilled (a cancelled or missed one leaves it open again).
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    source_appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="follow_ups_created"
    )
    kind = models.CharField(
        max_length=16, choices=Appointment.Kind.choices, default=Appointment.Kind.FOLLOW_UP
    )
    due_on = models.DateField()
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups_covered",
        help_text="The appointment booked to fulfil this follow-up.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["due_on"], name="follow_up_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} due {format_day(self.due_on)}"

    @property
    def is_covered(self) -> bool:
        return self.appointment is not None and self.appointment.status in Appointment.KEPT_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.due_on < timezone.localdate() and not self.is_covered


class ApiTokenUse(models.Model):
    """When an API token was last used; a token idle past ``API_TOKEN_IDLE_DAYS`` is refused."""

    token = models.OneToOneField(
        "authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="use"
    )
    last_used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token of user {self.token.user_id}, last used {self.last_used_at:%Y-%m-%d}"


# The audit log lives in its own module (referrals.audit_models); importing it here registers it.
from referrals.audit_models import AppendOnlyError as AppendOnlyError  # noqa: E402
from referrals.audit_models import AuditChainHead as AuditChainHead  # noqa: E402
from referrals.audit_models import AuditLogEntry as AuditLogEntry  # noqa: E402

# The loop's own models (patient-reported outcomes, the metrics page) live in their own module;
# importing them here registers them with the app.
from referrals.loop_models import LoopMetrics as LoopMetrics  # noqa: E402
from referrals.loop_models import OutcomeInvite as OutcomeInvite  # noqa: E402
from referrals.loop_models import PatientReportedOutcome as PatientReportedOutcome  # noqa: E402

# The notification outbox and the records that keep reminders and digests to one each live in
# their own module (referrals.outbox_models); importing them here registers them.
from referrals.outbox_models import AppointmentReminder as AppointmentReminder  # noqa: E402
from referrals.outbox_models import NotificationOutbox as NotificationOutbox  # noqa: E402
from referrals.outbox_models import PracticeDigest as PracticeDigest  # noqa: E402
