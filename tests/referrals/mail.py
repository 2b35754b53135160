"""A mail server for tests that refuses some recipients, as a real one refuses an unknown mailbox.

Messages to ``@unreachable.example`` raise ``SMTPRecipientsRefused`` (a 550, every time);
while ``RefusingBackend.down`` is true every send fails to connect. Everything else lands
in ``django.core.mail.outbox`` like the locmem backend.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import ClassVar

from django.core.mail.backends.locmem import EmailBackend
from django.core.mail.message import EmailMessage

UNREACHABLE = "@unreachable.example"


class RefusingBackend(EmailBackend):
    down: ClassVar[bool] = False

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if RefusingBackend.down:
            raise ConnectionRefusedError("the mail server is not answering")
        for message in messages:
            refused = {
                address: (550, b"5.1.1 mailbox unavailable")
                for address in message.to
                if UNREACHABLE in address
            }
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        return super().send_messages(messages)
