"""The running portal installs requirements.txt only: every package its code imports is pinned there.

Test, lint and benchmark tools live in requirements-dev.txt; a runtime module that imports one of
them would start in the tests and fail in production.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_PACKAGES = ("portal", "directory", "triage", "referrals", "fhir")
PROJECT_MODULES = {*RUNTIME_PACKAGES, "manage"}


def _pinned(requirements: Path) -> set[str]:
    names = set()
    for line in requirements.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line)
        if match:
            names.add(_normalised(match.group(1)))
    return names


def _normalised(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _runtime_files() -> list[Path]:
    files = [ROOT / "manage.py"]
    for package in RUNTIME_PACKAGES:
        files += [path for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts]
    return files


def _top_level_imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _third_party_distributions(module: str) -> set[str]:
    if module in PROJECT_MODULES or module in sys.stdlib_module_names:
        return set()
    return {_normalised(name) for name in packages_distributions().get(module, [module])}


def test_every_package_the_running_portal_imports_is_pinned_in_requirements_txt():
    runtime = _pinned(ROOT / "requirements.txt")
    missing = {}
    for path in _runtime_files():
        for module in _top_level_imports(path):
            unpinned = _third_party_distributions(module) - runtime
            if unpinned:
                missing[f"{path.relative_to(ROOT)}: import {module}"] = sorted(unpinned)
    assert missing == {}


def test_development_tools_are_not_runtime_requirements():
    runtime = _pinned(ROOT / "requirements.txt")
    dev_tools = {
        "pytest",
        "pytest-django",
        "factory-boy",
        "hypothesis",
        "schemathesis",
        "locust",
        "mypy",
        "ruff",
        "fhir-resources",
        "fhirpy",
    }
    assert runtime & dev_tools == set()
    assert dev_tools <= _pinned(ROOT / "requirements-dev.txt")
