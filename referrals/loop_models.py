"""Closing the loop: what patients report after a procedure, the links that ask them, the metrics page.

Kept apart from ``referrals.models`` (which imports these at its end); rows are written by
``referrals.patient_outcomes`` only.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone


class LoopMetrics(models.Model):
    """No table: the admin's "Referral metrics" page hangs off it, with the permission below."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "referral metrics"
        verbose_name_plural = "referral metrics"
        permissions = [("view_all_practice_metrics", "Can see the referral metrics of every practice")]

    def __str__(self) -> str:
        return "Referral metrics"


class OutcomeInvite(models.Model):
    """A one-time link asking the patient how they are, sent when a follow-up falls due.

    The token is random and opaque: it names nobody, and the link works once, until it expires.
    """

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="outcome_invites"
    )
    follow_up = models.OneToOneField(
        "referrals.FollowUp",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outcome_invite",
        help_text="The follow-up whose due date sent this link (one link per follow-up).",
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Outcome link {self.pk} ({'used' if self.used_at else 'unused'})"

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.used_at is None and (now or timezone.now()) < self.expires_at


class PatientReportedOutcome(models.Model):
    """The patient's own answer: pain now (0-10) and how they feel compared with before."""

    class GlobalImpression(models.TextChoices):
        # The Patient Global Impression of Change, in five plain steps.
        MUCH_BETTER = "much_better", "Much better"
        BETTER = "better", "Better"
        SAME = "same", "About the same"
        WORSE = "worse", "Worse"
        MUCH_WORSE = "much_worse", "Much worse"

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="patient_outcomes"
    )
    invite = models.OneToOneField(
        OutcomeInvite, on_delete=models.PROTECT, related_name="report", null=True, blank=True
    )
    pain_score = models.PositiveSmallIntegerField(help_text="Pain now, 0 (none) to 10 (worst imaginable).")
    global_impression = models.CharField(max_length=16, choices=GlobalImpression.choices)
    reported_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["reported_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pain_score__gte=0, pain_score__lte=10), name="reported_pain_score_0_to_10"
            )
        ]
        indexes = [models.Index(fields=["referral", "-reported_at"], name="reported_outcome_latest_idx")]

    def __str__(self) -> str:
        return f"Patient-reported outcome {self.pk}"
