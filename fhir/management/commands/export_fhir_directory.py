"""Write the directory as FHIR R4 NDJSON, one file per resource type (docs/fhir.md, "Bulk export")."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from fhir.registry import RESOURCE_TYPES, ResourceType

BATCH = 500


def resources_of(resource: ResourceType) -> Iterator[dict[str, Any]]:
    """Every resource of a type, read ``BATCH`` rows at a time by primary key (flat memory)."""
    rows = resource.rows()
    if isinstance(rows, list):
        yield from resource.render(rows)
        return
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        yield from resource.render(batch)
        last = batch[-1].pk


class Command(BaseCommand):
    help = "Write every directory resource as FHIR R4 NDJSON into DIR, one <Type>.ndjson per resource type."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="where to write the files (created if missing)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        directory.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        for name, resource in RESOURCE_TYPES.items():
            written = 0
            with (directory / f"{name}.ndjson").open("w", encoding="utf-8") as out:
                for found in resources_of(resource):
                    out.write(json.dumps(found, cls=DjangoJSONEncoder, separators=(",", ":")) + "\n")
                    written += 1
            self.stdout.write(f"{name}: {written} resources")
        self.stdout.write(f"Wrote {directory} in {time.perf_counter() - started:.1f} s")
