"""Small words the office admin shows about a referral: its short id, urgency, a refusal."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from referrals import services
from referrals.models import Referral
from triage.rules import Disposition

# Most pressing first when staff sort by urgency.
URGENCY_RANK = Case(
    *(When(disposition=d.value, then=Value(d.severity)) for d in Disposition),
    default=Value(-1),
    output_field=IntegerField(),
)


ROUTE_BY_HAND_PERMISSION = "referrals.route_referral_by_hand"


def short_id(referral: Referral) -> str:
    """The first block of the referral's public id: enough to tell referrals apart on a screen."""
    return str(referral.public_id).split("-")[0]


def urgency_label(disposition: str) -> str:
    try:
        return Disposition(disposition).label
    except ValueError:
        return disposition


def error_text(error: services.ReferralError) -> str:
    """A service refusal as one plain sentence (field errors joined)."""
    if isinstance(error, services.InvalidInput):
        parts: list[str] = []
        for value in error.errors.values():
            parts += [str(v) for v in (value if isinstance(value, list) else [value])]
        return " ".join(parts)
    return str(error)
