"""Schema post-processing: document the error answers every API operation can give.

Views describe their own successes and domain errors; the answers that come from the
framework around them (bad query parameters, not signed in, no such object, rate limited)
are the same everywhere, so they are added here once instead of in every view.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.generators import SchemaGenerator

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'Field errors (`{"<field>": ["<what to fix>"]}`) or `{"detail": "<why>"}`.',
    "additionalProperties": True,
}
RATE_LIMITED_OPERATIONS = {("get", "/api/v1/providers/"), ("post", "/api/v1/triage/assessments/")}


def error_response(description: str) -> dict[str, Any]:
    """An OpenAPI response whose JSON body is the shared Error object."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}},
    }


def framework_errors(method: str, path: str, operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The error responses ``operation`` can give whatever its view does, by status code."""
    parameters = operation.get("parameters", [])
    errors: dict[str, dict[str, Any]] = {}
    if parameters or "requestBody" in operation:
        errors["400"] = error_response("Bad input: the field names what to fix.")
    if operation.get("security") and {} not in operation["security"]:
        errors["403"] = error_response("Not signed in, or not allowed to do this.")
    elif "requestBody" in operation:
        errors["403"] = error_response("Changes need a signed-in user.")
    if any(parameter["in"] == "path" for parameter in parameters):
        errors["404"] = error_response("No such object (or not one of yours: the two look the same).")
    if (method, path) in RATE_LIMITED_OPERATIONS:
        errors["429"] = error_response("Too many requests from this address; try again after Retry-After.")
    return errors


def document_error_responses(
    result: dict[str, Any], generator: SchemaGenerator, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular hook: adds the framework's error responses an operation does not list yet."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, response in framework_errors(method, path, operation).items():
                responses.setdefault(code, response)
    return result


def rejects_unknown_keys() -> set[str]:
    """Names of the schema components whose serializers answer 400 to a key they do not define."""
    from triage.serializers import RejectUnknownKeysMixin

    found: set[str] = set()
    pending = list(RejectUnknownKeysMixin.__subclasses__())
    while pending:
        serializer = pending.pop()
        found.add(serializer.__name__.removesuffix("Serializer"))
        pending += serializer.__subclasses__()
    return found


def _limit_parameter(parameter: dict[str, Any]) -> None:
    """What the server checks about a parameter, written into its schema."""
    schema = parameter.setdefault("schema", {})
    if parameter["in"] == "query" and parameter["name"] == "page":
        schema["minimum"] = 1  # pages are numbered from 1; page 0 is a 400
    if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key":
        schema.update(minLength=1, maxLength=255, pattern=r"\S")  # blank is refused too


def document_input_limits(
    result: dict[str, Any], generator: SchemaGenerator, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular hook: the schema says what the server refuses, so clients and fuzzers agree.

    Pages start at 1, an Idempotency-Key is not empty, and request bodies that refuse unknown
    keys say ``additionalProperties: false``.
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _limit_parameter(parameter)
    strict = rejects_unknown_keys()
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name in strict and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
