"""With debug off the portal refuses to start without a real SECRET_KEY, and says so."""

from __future__ import annotations

import subprocess
import sys

from tests.security.test_deploy_check import MANAGE_PY, deploy_check, production_env


def without_secret_key(**overrides: str) -> dict[str, str]:
    env = production_env(**overrides)
    del env["SECRET_KEY"]
    return env


def start_web_app(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Load the WSGI application the way gunicorn does."""
    return subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"],
        env=env,
        cwd=MANAGE_PY.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_web_app_refuses_to_start_without_a_secret_key_and_names_it() -> None:
    result = start_web_app(without_secret_key())

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_the_web_app_refuses_the_development_key() -> None:
    result = start_web_app(production_env(SECRET_KEY="insecure-local-development-key-change-me-0123456789"))

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_web_app_starts_with_a_real_key() -> None:
    result = start_web_app(production_env())

    assert result.returncode == 0, result.stderr


def test_the_deploy_check_fails_on_a_missing_secret_key() -> None:
    result = deploy_check(without_secret_key())

    assert result.returncode != 0
    assert "portal.E001" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_with_debug_on_the_development_key_is_allowed() -> None:
    result = start_web_app(without_secret_key(DEBUG="true"))

    assert result.returncode == 0, result.stderr
