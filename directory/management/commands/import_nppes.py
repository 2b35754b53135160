"""``python manage.py import_nppes FILE [--taxonomy CODE ...]``: load IRs from the public NPPES file."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from directory.importers import ImportProgress, providers_import_nppes


class Command(BaseCommand):
    help = (
        "Stream an NPPES npidata_pfile CSV and upsert the individuals holding the directory's "
        "taxonomy codes; unlist deactivated NPIs. Safe to run again on the same file."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="The npidata_pfile CSV (the public file is ~10 GB; it is streamed).")
        parser.add_argument(
            "--taxonomy",
            action="append",
            metavar="CODE",
            help="A taxonomy code to keep (repeat for more). Default: settings.DIRECTORY_TAXONOMY_CODES.",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="Rows written per transaction.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        codes = options["taxonomy"] or list(settings.DIRECTORY_TAXONOMY_CODES)
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            total_bytes = os.path.getsize(path)
            with open(path, "rb") as stream:
                summary = providers_import_nppes(
                    stream=stream,
                    taxonomy_codes=codes,
                    batch_size=options["batch_size"],
                    on_progress=lambda progress: self._show_progress(progress, total_bytes),
                )
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Taxonomy codes kept: {', '.join(codes)}")
        for line in summary.lines():
            self.stdout.write(line)

    def _show_progress(self, progress: ImportProgress, total_bytes: int) -> None:
        share = 100 * progress.bytes_read / total_bytes if total_bytes else 0
        rate = progress.rows_read / progress.seconds if progress.seconds else 0
        self.stderr.write(
            f"{progress.rows_read:,} rows read ({share:.0f}% of the file), "
            f"{progress.kept:,} kept, {rate:,.0f} rows/s"
        )
