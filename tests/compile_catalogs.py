"""Compile the translation catalogs (locale/*/LC_MESSAGES/django.po) into the .mo files Django reads.

Pure Python (polib), so it works where GNU gettext is not installed; the compiled files are
committed, and tests/test_translations.py fails when one is older than its catalog.

    python -m tests.compile_catalogs
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def catalogs() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))


def compile_catalog(po_path: Path) -> Path:
    """Writes the .mo beside ``po_path`` and returns its path."""
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main() -> None:
    for po_path in catalogs():
        print(f"compiled {compile_catalog(po_path).relative_to(LOCALE.parent)}")


if __name__ == "__main__":
    main()
