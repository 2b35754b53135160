"""The API's JSON parser: bounded in size and depth, so no body can turn into a 500.

The contract is in docs/resilience.md (API errors).
"""

from __future__ import annotations

import io
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

# No request body of the API nests deeper than a few levels; 32 leaves room and stops
# bodies built to exhaust the parser's recursion.
MAX_JSON_DEPTH = 32


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that refuses bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413)
    and JSON nested deeper than ``MAX_JSON_DEPTH`` (400)."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestBodyTooLarge(f"The request body is too large (over {limit} bytes).")
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            data = None
            deep = True
        else:
            deep = depth_exceeds(data, MAX_JSON_DEPTH)
        if deep:
            raise ParseError(f"JSON parse error - the body nests deeper than {MAX_JSON_DEPTH} levels.")
        return data


def depth_exceeds(data: Any, limit: int) -> bool:
    """True when ``data`` (parsed JSON) holds lists or objects nested more than ``limit`` deep."""
    level = [data]
    for depth in range(limit + 1):
        containers = [item for item in level if isinstance(item, (dict, list))]
        if not containers:
            return False
        if depth == limit:
            return True
        level = [
            child for item in containers for child in (item.values() if isinstance(item, dict) else item)
        ]
    return False
