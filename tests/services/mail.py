"""A test e-mail backend a worker process can write to and a test can read: one JSON file a message.

``TEST_EMAIL_DIR`` names the folder; ``TEST_EMAIL_DELAY_SECONDS`` makes every send that slow,
to widen the window in which a test can kill a worker or drop its database connection.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class JsonFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = Path(os.environ["TEST_EMAIL_DIR"])
        delay = float(os.environ.get("TEST_EMAIL_DELAY_SECONDS", "0"))
        for message in email_messages:
            time.sleep(delay)
            name = uuid.uuid4().hex
            data = {
                "to": list(message.to),
                "subject": str(message.subject),
                "body": str(message.body),
                "message_id": message.extra_headers.get("Message-ID", ""),
            }
            (folder / f"{name}.tmp").write_text(json.dumps(data))
            # Renamed into place whole, so a reader never sees half a message.
            (folder / f"{name}.tmp").rename(folder / f"{name}.json")
        return len(email_messages)


def delivered(folder: Path) -> list[dict[str, Any]]:
    """Every message the backend wrote to ``folder``."""
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
