"""Rewrite the search listing from the directory tables, for a database edited outside the portal."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from directory.search_index import refresh_listings


class Command(BaseCommand):
    help = (
        "Rewrite every search listing row and grid cell total from the providers, locations and "
        "catalog links. "
        "Writes through the portal keep the listing current; run this after editing the "
        "directory tables by hand."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        written = refresh_listings()
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {written:,} search listing rows in {time.perf_counter() - started:.1f} s."
            )
        )
