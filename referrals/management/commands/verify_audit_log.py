"""``python manage.py verify_audit_log``: is every link of the audit log's hash chain intact?"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from referrals.audit_chain import chain_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain: say it is intact with its number of entries, "
        "or name the first broken link and exit non-zero."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        check = chain_verify()
        if not check.intact:
            before = f" ({check.entries} entries before it verify)" if check.broken_at is not None else ""
            raise CommandError(f"The audit log is broken: {check.problem}{before}.")
        entries = "entry" if check.entries == 1 else "entries"
        self.stdout.write(f"The audit log is intact: {check.entries} {entries}, every link checked.")
