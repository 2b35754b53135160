"""How a practice notice reaches a practice's own system, beside e-mail (docs/workflow.md).

An outbox row names its channel. E-mail is sent by ``referrals.notifications``; any other
channel (a practice's FHIR endpoint) is sent by a sender its app registers at start-up,
so this app never imports the adapters that speak those protocols.

A sender returns when the receiver took the message. Any exception is a failed attempt,
retried with the outbox's backoff; ``PermanentFailure`` says the receiver refused for good,
so the row fails at once and the referral moves on; ``Withdrawn`` closes the row unsent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from referrals.models import NotificationOutbox


class PermanentFailure(Exception):
    """The receiver refused the message for good: sending it again cannot help."""


class Withdrawn(Exception):
    """The message is no longer news (the referral left the practice before it went out).

    The row is closed unsent; it is no failure of the receiver's.
    """


Sender = Callable[["NotificationOutbox"], None]

_SENDERS: dict[str, Sender] = {}


def sender_register(*, channel: str, sender: Sender) -> None:
    """Make ``sender`` deliver every outbox row of ``channel`` (the last registration wins)."""
    _SENDERS[channel] = sender


def sender_for(channel: str) -> Sender:
    """The sender of ``channel``; raises ``PermanentFailure`` when no app registered one."""
    try:
        return _SENDERS[channel]
    except KeyError:
        raise PermanentFailure(f"No sender delivers the {channel!r} channel.") from None
