"""Small words the office admin shows about a referral: its short id, urgency, a refusal."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.utils.html import format_html

from referrals import services
from referrals.models import Referral
from triage.rules import Disposition

# Most pressing first when staff sort by urgency.
URGENCY_RANK = Case(
    *(When(disposition=d.value, then=Value(d.severity)) for d in Disposition),
    default=Value(-1),
    output_field=IntegerField(),
)


def short_id(referral: Referral) -> str:
    """The first block of the referral's public id: enough to tell referrals apart on a screen."""
    return str(referral.public_id).split("-")[0]


# A red flag as the office reads it; the screening stores the flag's key.
FLAG_WORDS = {
    "recent_trauma": "Recent injury or fall",
    "cancer_history": "History of cancer",
    "osteoporosis": "Osteoporosis",
    "iv_drug_use": "Injected drug use",
    "immunosuppressant_use": "Takes immune-suppressing medicine",
    "bone_thinning_medication": "Takes bone-thinning medicine (e.g. steroids)",
    "unexplained_weight_loss": "Weight loss without a reason",
    "fever": "Fever",
    "leg_weakness": "Leg weakness",
    "leg_numbness_tingling": "Numbness or tingling in the legs",
    "leg_spasms_stiffness": "Leg spasms or stiffness",
    "bladder_bowel_difficulty": "Bladder or bowel trouble",
    "saddle_numbness": "Saddle numbness",
    "weakness_getting_worse": "Leg weakness getting worse",
    "age_70_or_older": "Aged 70 or older",
}


def flag_words(flag: str) -> str:
    return FLAG_WORDS.get(flag, flag.replace("_", " ").capitalize())


def error_text(error: services.ReferralError) -> str:
    """A service refusal as one plain sentence (field errors joined)."""
    if isinstance(error, services.InvalidInput):
        parts: list[str] = []
        for value in error.errors.values():
            parts += [str(v) for v in (value if isinstance(value, list) else [value])]
        return " ".join(parts)
    return str(error)


def follow_up_state(*, overdue: bool, booked: bool) -> str:
    """A follow-up's state in words, overdue in the colour that means it (office-admin.css)."""
    if overdue:
        return format_html('<strong class="follow-up-overdue">{}</strong>', "Overdue")
    if booked:
        return format_html('<span class="follow-up-booked">{}</span>', "Booked")
    return "Due"
