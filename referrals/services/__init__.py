"""Every change to a referral: the only place its status moves.

Each service checks who is asking (``referrals.access``) and what the current state
allows, locks the referral row first so concurrent requests queue up behind each other,
writes a timeline event and the notifications someone must get, all in one transaction.
A person's action does this through ``transition.referral_transition``, which moves the
status as the transition table (``referrals.workflow``) says.

One module per part of the referral's life: ``submission`` (a new referral), ``route``
(sending it to a practice), ``answers`` (the practice accepts, declines or lets it time
out), ``appointments`` (visits), ``closing`` (completed or cancelled); ``transition``,
``checks``, ``timeline`` and ``errors`` are shared by all of them. Callers import from
``referrals.services``.
"""

from referrals.services.answers import (
    referral_accept,
    referral_decline,
    referral_move_on,
    referral_time_out,
)
from referrals.services.appointments import (
    appointment_record_visit,
    appointment_schedule,
    follow_up_dates,
)
from referrals.services.closing import referral_cancel, referral_complete
from referrals.services.errors import (
    ActionForbidden,
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    ReferralError,
    SlotTaken,
)
from referrals.services.route import acceptance_deadline, referral_route, referral_route_by_hand
from referrals.services.submission import (
    EMERGENCY,
    MAX_PATIENT_AGE,
    MIN_PATIENT_AGE,
    PATIENT_FIELDS,
    Submission,
    patient_input_errors,
    referral_submit,
)

__all__ = [
    "EMERGENCY",
    "MAX_PATIENT_AGE",
    "MIN_PATIENT_AGE",
    "PATIENT_FIELDS",
    "ActionForbidden",
    "IdempotencyConflict",
    "InvalidInput",
    "InvalidTransition",
    "PermissionDenied",
    "ReferralError",
    "SlotTaken",
    "Submission",
    "acceptance_deadline",
    "appointment_record_visit",
    "appointment_schedule",
    "follow_up_dates",
    "patient_input_errors",
    "referral_accept",
    "referral_cancel",
    "referral_complete",
    "referral_decline",
    "referral_move_on",
    "referral_route",
    "referral_route_by_hand",
    "referral_submit",
    "referral_time_out",
]
