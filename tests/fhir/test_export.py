"""``export_fhir_directory`` writes every resource of each type as NDJSON, one file per type."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from fhir.registry import RESOURCE_TYPES
from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.fhir.conftest import validated

pytestmark = pytest.mark.django_db


def test_the_export_writes_one_valid_resource_per_line_for_every_type(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("fhir.management.commands.export_fhir_directory.BATCH", 2)  # several batches
    locations = [PracticeLocationFactory.create() for _ in range(3)]
    providers = [ProviderFactory.create(locations=locations[:2]) for _ in range(5)]
    ProviderFactory.create(is_listed=False)
    out = io.StringIO()

    call_command("export_fhir_directory", str(tmp_path / "export"), stdout=out)

    written: dict[str, list[dict[str, Any]]] = {
        name: [
            validated(json.loads(line))
            for line in (tmp_path / "export" / f"{name}.ndjson").read_text().splitlines()
        ]
        for name in RESOURCE_TYPES
    }
    assert sorted(item["id"] for item in written["Practitioner"]) == sorted(p.npi for p in providers)
    assert sorted(item["id"] for item in written["PractitionerRole"]) == sorted(p.npi for p in providers)
    assert [item["id"] for item in written["Location"]] == [str(location.pk) for location in locations]
    assert len(written["Organization"]) == 3 and len(written["HealthcareService"]) == 3
    assert [item["id"] for item in written["CodeSystem"]] == [
        "appointment-kind",
        "condition",
        "decline-reason",
        "procedure",
        "referral-status",
    ]
    assert "Practitioner: 5 resources" in out.getvalue()
