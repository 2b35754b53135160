"""How easy every patient page is to read, in English and in Spanish.

Renders each patient page (home, finder form, results, no results, error, provider profile,
report confirmation, self-check, its errors, every result) in both languages through Django's
test client against a throw-away SQLite database, takes the page's visible text, and prints
the US grade level of the English (Flesch-Kincaid, goal 8 or below) and the Fernández-Huerta
ease of the Spanish (goal 70 or above) beside the goal. The goals are in docs/languages.md.

    python tests/bench/readability.py

Exits 1 when a page misses its goal.
"""

from __future__ import annotations

import os
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

ENGLISH_GRADE_GOAL = 8.0
SPANISH_EASE_GOAL = 70.0
# Elements whose text stands alone: a heading or a list item ends like a sentence.
BLOCKS = {"p", "li", "h1", "h2", "h3", "dt", "dd", "legend", "label", "button", "td", "th", "summary"}
SKIPPED = {"head", "script", "style", "template", "select"}


class VisibleText(HTMLParser):
    """The text a sighted reader sees: no head, scripts, hidden elements or screen-reader-only text."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = [""]
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if (
            self.skipping
            or tag in SKIPPED
            or "hidden" in names
            or "visually-hidden" in (names.get("class") or "")
        ):
            if tag not in {"br", "input", "img", "meta", "link"}:
                self.skipping.append(tag)
            return
        if tag in BLOCKS:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if self.skipping[-1] == tag:
                self.skipping.pop()
            return
        if tag in BLOCKS:
            self.blocks.append("")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.blocks[-1] += data

    def text(self) -> str:
        sentences = []
        for block in self.blocks:
            words = " ".join(block.split())
            if any(character.isalpha() for character in words):
                sentences.append(words if words[-1] in ".!?:" else words + ".")
        return " ".join(sentences)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return parser.text()


def main() -> int:
    database = Path(tempfile.mkdtemp()) / "readability.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)

    import textstat

    from tests.bench.readability_pages import patient_pages

    failures = 0
    print(f"{'page':<34} {'English grade (goal <= 8)':>26} {'Spanish ease (goal >= 70)':>26}")
    for name, english_html, spanish_html in patient_pages():
        textstat.set_lang("en_US")
        grade = textstat.flesch_kincaid_grade(visible_text(english_html))
        textstat.set_lang("es")
        ease = textstat.fernandez_huerta(visible_text(spanish_html))
        ok = grade <= ENGLISH_GRADE_GOAL and ease >= SPANISH_EASE_GOAL
        failures += not ok
        print(f"{name:<34} {grade:>26.1f} {ease:>26.1f}  {'ok' if ok else 'MISSES GOAL'}")
    database.unlink(missing_ok=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
