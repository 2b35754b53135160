"""``manage.py seed_demo``: the demo directory and demo logins, safe to run on every start."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from directory.demo import seed_directory
from referrals.demo import DEMO_COORDINATOR, seed_referrals

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
        referrals = seed_referrals()
        self.stdout.write(
            f"Demo referrals created: {len(referrals.created)}; demo staff logins created: "
            f"{', '.join(referrals.staff_created) or 'none'}."
        )
        if referrals.outcome_link:
            self.stdout.write(f"Demo patient outcome link (works once): {referrals.outcome_link}")
        self.stdout.write(demo_logins_text(referrals.offices))
