"""Who works for which practice, and which practices receive referrals (docs/workflow.md).

A practice *receives referrals* when it is enrolled, still has an active staff member
and a working delivery channel, and has not switched referrals off. Enrolment itself is
a coordinator's decision (``directory.services.practice_enrol``); the other conditions
are checked live in every routing query (``PracticeQuerySet.receiving_referrals``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

# A practice whose channel failed this many times in a row needs a coordinator's attention.
NEEDS_ATTENTION_AFTER = 2


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    OFF = "off", "Off"
    ERROR = "error", "Error"


class PracticeMembership(models.Model):
    """A staff user working for a practice: they see and work that practice's referrals only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_memberships"
    )
    practice = models.ForeignKey("directory.Practice", on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="practice_membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.practice}"


def receiving_referrals_condition(prefix: str = "") -> Q:
    """The practice (at ``prefix``, e.g. ``"practice__"``) is enrolled, staffed, reachable and accepting.

    Reachable: a portal inbox with a monitored address, or an active FHIR endpoint.
    """
    channel = Q(**{f"{prefix}referral_inbox_email__gt": ""}) | Q(
        **{f"{prefix}fhir_endpoint_status": EndpointStatus.ACTIVE, f"{prefix}fhir_base_url__gt": ""}
    )
    staffed = Exists(
        PracticeMembership.objects.filter(practice=OuterRef(f"{prefix}pk"), user__is_active=True)
    )
    return (
        channel & staffed & Q(**{f"{prefix}enrolled_at__isnull": False, f"{prefix}accepting_referrals": True})
    )


class PracticeQuerySet(models.QuerySet[Any]):
    def receiving_referrals(self) -> PracticeQuerySet:
        """Practices routing may send a referral to: enrolled, staffed, reachable, accepting."""
        return self.filter(receiving_referrals_condition())


def enrolment_gaps(practice: Any) -> dict[str, str]:
    """What keeps ``practice`` from receiving referrals, by field name (empty when nothing does)."""
    gaps: dict[str, str] = {}
    if not PracticeMembership.objects.filter(practice=practice, user__is_active=True).exists():
        gaps["memberships"] = "no active staff member works for it"
    if not (
        practice.referral_inbox_email
        or (practice.fhir_base_url and practice.fhir_endpoint_status == EndpointStatus.ACTIVE)
    ):
        gaps["referral_inbox_email"] = (
            "no working delivery channel (a referral inbox address or an active FHIR endpoint)"
        )
    if not practice.accepting_referrals:
        gaps["accepting_referrals"] = "it has switched referrals off"
    return gaps


def practice_ids_for_user(user: Any) -> frozenset[int]:
    """The ids of the practices ``user`` works for (empty for anyone else, and when signed out)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(PracticeMembership.objects.filter(user_id=user.pk).values_list("practice_id", flat=True))
