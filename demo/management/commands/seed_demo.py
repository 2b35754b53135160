"""``manage.py seed_demo``: the demo directory and demo logins, safe to run on every start."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from demo.directory_data import seed_directory
from demo.referral_data import DEMO_COORDINATOR, seed_referrals
from referrals.models import NotificationOutbox

# Documented in the README; these accounts exist only in demo databases.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105
DEMO_SUPERUSER = "admin"
DEMO_CLINICIANS = [("dr.adams", "Alex", "Adams"), ("dr.baker", "Blair", "Baker")]


@transaction.atomic
def demo_logins_ensure() -> list[str]:
    """Create the demo superuser and clinician accounts that are missing; return the usernames created."""
    user_model = get_user_model()
    created: list[str] = []
    if not user_model.objects.filter(username=DEMO_SUPERUSER).exists():
        user_model.objects.create_superuser(
            username=DEMO_SUPERUSER, email="admin@irportal.example", password=DEMO_PASSWORD
        )
        created.append(DEMO_SUPERUSER)
    for username, first_name, last_name in DEMO_CLINICIANS:
        if user_model.objects.filter(username=username).exists():
            continue
        user_model.objects.create_user(
            username=username,
            email=f"{username}@clinic.example",
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
        )
        created.append(username)
    return created


def demo_logins_text(offices: list[tuple[str, str]]) -> str:
    """Every demo login and what it is for, as the closing lines of ``seed_demo``."""
    lines = [
        f"Demo logins (password {DEMO_PASSWORD}):",
        f"  {DEMO_SUPERUSER}: superuser",
        *(f"  {username}: referring clinician" for username, _, _ in DEMO_CLINICIANS),
        f"  {DEMO_COORDINATOR}: referral coordinator (worklist at /referrals/worklist/)",
        *(f"  {login}: IR office staff at {practice} (enrolled)" for login, practice in offices),
    ]
    return "\n".join(lines)


@contextmanager
def demo_notices_kept_off_the_console() -> Iterator[list[Any]]:
    """Send the demo's notices (all to made-up addresses) into a list instead of the mail backend,
    and keep the in-process task runner's line per notice out of the log; yields that list.

    Only mail sent in this process is caught: with a broker, the workers send the demo's
    notices through their own backend.
    """
    trace = logging.getLogger("celery.app.trace")
    level, outbox = trace.level, getattr(mail, "outbox", None)
    trace.setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            yield mail.outbox
    finally:
        trace.setLevel(level)
        if outbox is None:
            del mail.outbox
        else:
            mail.outbox = outbox


def demo_notices_text(written: int, caught: int) -> str:
    """The one line that stands for every notice the demo wrote."""
    if caught:
        return (
            f"Demo notices: {caught} e-mails to the demo's made-up addresses, recorded as sent "
            "in the notification outbox and not printed."
        )
    return f"Demo notices: {written} queued for the workers." if written else "Demo notices: none new."


class Command(BaseCommand):
    help = "Load the demo directory and demo logins. Running it again adds nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--providers", type=int, default=3000, help="How many demo providers (default 3000)."
        )
        parser.add_argument("--seed", type=int, default=7, help="Random seed of the demo data.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        summary = seed_directory(providers=options["providers"], rng_seed=options["seed"])
        logins = demo_logins_ensure()
        elapsed = time.perf_counter() - started
        if summary.created_anything:
            directory = (
                f"{summary.practices_created} practices, {summary.locations_created} locations and "
                f"{summary.providers_created} providers created"
            )
        else:
            directory = "already loaded, nothing created"
        self.stdout.write(
            f"Demo directory: {directory}. Demo logins created: {', '.join(logins) or 'none'}. "
            f"{elapsed:.1f}s."
        )
        outbox_before = NotificationOutbox.objects.count()
        with demo_notices_kept_off_the_console() as sent:
            referrals = seed_referrals()
        self.stdout.write(
            f"Demo referrals created: {len(referrals.created)}; demo staff logins created: "
            f"{', '.join(referrals.staff_created) or 'none'}."
        )
        self.stdout.write(demo_notices_text(NotificationOutbox.objects.count() - outbox_before, len(sent)))
        if referrals.outcome_link:
            self.stdout.write(f"Demo patient outcome link (works once): {referrals.outcome_link}")
        self.stdout.write(demo_logins_text(referrals.offices))
