"""The published OpenAPI schema is valid and lists the errors clients will meet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management import call_command


def generated_schema(tmp_path: Path) -> dict[str, Any]:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_the_schema_validates_without_a_warning(tmp_path: Path) -> None:
    schema = generated_schema(tmp_path)

    assert schema["openapi"].startswith("3.")
    assert "/api/v1/providers/" in schema["paths"]


def test_every_operation_with_input_documents_a_400(tmp_path: Path) -> None:
    paths = generated_schema(tmp_path)["paths"]

    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if (operation.get("parameters") or "requestBody" in operation) and "400" not in operation["responses"]
    ]
    assert missing == []


def test_signed_in_operations_document_a_403_and_public_search_a_429(tmp_path: Path) -> None:
    paths = generated_schema(tmp_path)["paths"]

    assert "403" in paths["/api/v1/referrals/"]["get"]["responses"]
    assert "404" in paths["/api/v1/referrals/{public_id}/"]["get"]["responses"]
    assert "429" in paths["/api/v1/providers/"]["get"]["responses"]
    assert "429" in paths["/api/v1/triage/assessments/"]["post"]["responses"]


def test_the_schema_says_what_the_server_refuses(tmp_path: Path) -> None:
    schema = generated_schema(tmp_path)
    paths, components = schema["paths"], schema["components"]["schemas"]

    def parameter(path: str, method: str, name: str) -> dict[str, Any]:
        return next(p for p in paths[path][method]["parameters"] if p["name"] == name)["schema"]

    for path in ("/api/v1/providers/", "/api/v1/referrals/", "/api/v1/procedures/", "/api/v1/conditions/"):
        assert parameter(path, "get", "page")["minimum"] == 1, path
    key = parameter("/api/v1/referrals/", "post", "Idempotency-Key")
    assert (key["minLength"], key["maxLength"]) == (1, 255)
    for name in ("ReferralCreate", "PatientIn", "AssessmentRequest", "Screening", "Answers"):
        assert components[name]["additionalProperties"] is False, name


def test_a_referral_carries_the_screening_in_the_shape_the_triage_api_takes(tmp_path: Path) -> None:
    components = generated_schema(tmp_path)["components"]["schemas"]

    screening = components["ReferralCreate"]["properties"]["triage"]["allOf"][0]["$ref"]
    assessment = components["AssessmentRequest"]["properties"]["answers"]["allOf"][0]["$ref"]
    screening_props = components[screening.rsplit("/", 1)[-1]]["properties"]

    assert sorted(screening_props) == ["answers", "pain_duration_weeks"]
    assert screening_props["answers"]["allOf"][0]["$ref"] == assessment
    assert components["PatientIn"]["properties"]["sex"]["$ref"].endswith("/SexEnum")
    assert components["SexEnum"]["enum"] == ["female", "male", "other", "unknown"]
