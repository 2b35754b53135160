"""Setting up the demo as a newcomer does: every login listed, links to the port `make run`
serves, and the demo's notices summed up in one line rather than printed one by one."""

from __future__ import annotations

import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from referrals.models import NotificationOutbox

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")
EVERY_DEMO_LOGIN = [
    "admin",
    "dr.adams",
    "dr.baker",
    "coordinator",
    "staff.lakeside",
    "staff.summit",
    "staff.bayview",
    "staff.harbor",
    "staff.northshore",
]


@pytest.fixture
def seeded(settings, capsys) -> str:
    """What ``seed_demo`` printed, on a console mail backend and links to port 8111."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8111"
    out = StringIO()
    call_command("seed_demo", providers=40, stdout=out)
    return out.getvalue() + capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_seed_demo_lists_every_demo_login_with_the_password(seeded: str) -> None:
    logins = seeded[seeded.index("Demo logins (password demo-password-2026):") :]

    assert re.findall(r"^  ([\w.]+): ", logins, flags=re.MULTILINE) == EVERY_DEMO_LOGIN


@pytest.mark.django_db(transaction=True)
def test_the_demos_notices_are_one_line_not_hundreds_of_printed_e_mails(seeded: str) -> None:
    written = NotificationOutbox.objects.count()

    assert written > 30
    assert "Subject:" not in seeded
    (line,) = [line for line in seeded.splitlines() if line.startswith("Demo notices:")]
    assert f"Demo notices: {written} e-mails" in line
    assert not NotificationOutbox.objects.exclude(status=NotificationOutbox.Status.SENT).exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_outcome_link_points_at_the_configured_address(seeded: str) -> None:
    assert "Demo patient outcome link (works once): http://127.0.0.1:8111/outcome/" in seeded


@pytest.mark.skipif(MAKE is None, reason="needs make")
def test_make_run_on_another_port_sends_every_process_links_to_that_port() -> None:
    planned = subprocess.run(  # noqa: S603 -- make with fixed arguments
        [str(MAKE), "-n", "run", "PORT=8111"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    for command in ("seed_demo", "run_background_work", "runserver"):
        (line,) = [line for line in planned.splitlines() if f"manage.py {command}" in line]
        assert "PORTAL_BASE_URL=http://127.0.0.1:8111 " in line, line
    assert "runserver 127.0.0.1:8111" in planned
