"""Stored red-flag assessments: what was answered, what the rules said, and by which ruleset version.

No identity lives here. A patient's self-check is anonymous; a clinician's assessment is linked
from the referral that owns it, never the other way round.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models

from triage.rules import Disposition

# Bands are ten years wide but never straddle the rules' age-70 threshold, so a stored band
# is always enough to re-run the rules.
_BAND_EDGES: tuple[tuple[int, str], ...] = (
    (80, "80+"),
    (70, "70-79"),
    (60, "60-69"),
    (50, "50-59"),
    (40, "40-49"),
    (30, "30-39"),
    (18, "18-29"),
)


def age_band(age: int) -> str:
    """The band an adult age falls in ("18-29" ... "70-79", "80+"); ValueError under 18."""
    for lower, band in _BAND_EDGES:
        if age >= lower:
            return band
    raise ValueError("Assessments are for adults aged 18 or over.")


class Assessment(models.Model):
    """One run of the red-flag rules over a full set of answers."""

    class Source(models.TextChoices):
        SELF_CHECK = "self_check", "Patient self-check"
        REFERRAL = "referral", "Clinician referral"

    AGE_BAND_CHOICES: ClassVar[list[tuple[str, str]]] = [(band, band) for _, band in reversed(_BAND_EDGES)]
    DISPOSITION_CHOICES: ClassVar[list[tuple[str, str]]] = [(d.value, d.label) for d in Disposition]

    # The only identifier that leaves the database: the result page is addressed by it.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    answers = models.JSONField(help_text="Every answer key mapped to true or false.")
    age_band = models.CharField(max_length=8, choices=AGE_BAND_CHOICES)
    pain_duration_weeks = models.PositiveIntegerField()
    disposition = models.CharField(max_length=16, choices=DISPOSITION_CHOICES, db_index=True)
    reasons = models.JSONField(
        default=list, help_text='[{"flag": ..., "explanation": ...}] in question order.'
    )
    advice = models.JSONField(default=list)
    ruleset_version = models.CharField(max_length=32)
    source = models.CharField(max_length=16, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disposition__in=[d.value for d in Disposition]),
                name="triage_assessment_disposition_known",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=["self_check", "referral"]),
                name="triage_assessment_source_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_disposition_display()} ({self.get_source_display()}, {self.created_at:%Y-%m-%d})"

    @property
    def disposition_enum(self) -> Disposition:
        return Disposition(self.disposition)

    @property
    def is_emergency(self) -> bool:
        return self.disposition == Disposition.EMERGENCY
