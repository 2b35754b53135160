"""Log filters: a one-time link's token never reaches a log line.

The patient's outcome link (``/outcome/<token>/``) works without a login, so its token is as
good as a password until it is used. Django logs the path of every 4xx and 5xx answer, and
the development server every request; this filter replaces the token with ``[token]`` in
those lines, in every language prefix.
"""

from __future__ import annotations

import logging
import re

LINK_TOKEN = re.compile(r"(/outcome/)[^/\s?\"']+")


class RedactLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = LINK_TOKEN.sub(r"\1[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
