"""Words every page uses for a referral's screening result, so the office and coordinators agree."""

from __future__ import annotations

from triage.rules import Disposition

# On a referral the screening's "self-care" result means no red flag was found: a GP asks for
# an IR procedure, not for self-care.
NO_RED_FLAGS = "No red flags"


def urgency_label(disposition: str) -> str:
    """The screening result of a referral in words: "Urgent", "Soon", "No red flags"."""
    if disposition == Disposition.SELF_CARE:
        return NO_RED_FLAGS
    try:
        return Disposition(disposition).label
    except ValueError:
        return disposition
