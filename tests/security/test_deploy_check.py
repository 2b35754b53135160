"""`manage.py check --deploy` run the way production starts: settings from the environment only."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"


def production_env(**overrides: str) -> dict[str, str]:
    """The process environment with the documented production switches turned on."""
    return os.environ | {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "irportal.example",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_COOKIES": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        **overrides,
    }


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, str(MANAGE_PY), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=MANAGE_PY.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_reports_nothing_with_the_production_environment() -> None:
    result = deploy_check(production_env())

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_deploy_check_names_a_missing_hsts_header() -> None:
    result = deploy_check(production_env(SECURE_HSTS_SECONDS="0"))

    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_deploy_check_refuses_an_in_process_cache_for_rate_limits() -> None:
    env = production_env()
    del env["CACHE_URL"]

    result = deploy_check(env)

    assert result.returncode != 0
    assert "django_ratelimit" in result.stderr
