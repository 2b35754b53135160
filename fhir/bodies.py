"""Request bodies of the FHIR referral exchange: JSON only, bounded in size and depth.

Too big, too deep, not JSON or not the content type asked for: a 4xx OperationOutcome
naming what is wrong, before any of it reaches a service (docs/fhir-referrals.md).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

from fhir.outcomes import FhirError
from portal.parsers import MAX_JSON_DEPTH, depth_exceeds

JSON_TYPES = ("application/fhir+json", "application/json")
JSON_PATCH = "application/json-patch+json"


def json_body(request: HttpRequest, *, element: str, content_types: tuple[str, ...] = JSON_TYPES) -> Any:
    """The request's JSON; ``element`` is what errors name (``Bundle``, ``Task``...)."""
    content_type = request.content_type or ""
    if content_type not in content_types:
        raise FhirError(f"send {content_types[0]}.", status=415, code="not-supported")
    try:
        body = request.body
    except RequestDataTooBig as error:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise FhirError(
            f"the body is over {limit} bytes.", parameter=element, status=413, code="too-costly"
        ) from error
    try:
        data = json.loads(body)
    except RecursionError:
        data, deep = None, True
    except ValueError as error:
        raise FhirError(f"the body is not JSON: {error}", parameter=element, code="structure") from error
    else:
        deep = depth_exceeds(data, MAX_JSON_DEPTH)
    if deep:
        raise FhirError(
            f"the JSON nests deeper than {MAX_JSON_DEPTH} levels.", parameter=element, code="structure"
        )
    return data
