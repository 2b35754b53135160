"""Patient pages in Spanish: complete catalogs, the language a visitor gets, and the switch between them.

The contract is docs/languages.md.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client
from django.utils import translation

from directory.models import Condition, Language, Procedure
from tests.bench.readability import visible_text
from tests.bench.readability_pages import patient_pages
from tests.compile_catalogs import compile_catalog
from tests.directory.factories import PracticeLocationFactory, ProviderFactory

SPANISH_CATALOG = Path(__file__).resolve().parents[1] / "locale" / "es" / "LC_MESSAGES" / "django.po"
# Words of every English sentence and none of Spanish: one left on a Spanish page is a string
# nobody marked for translation.
ENGLISH_ONLY_WORDS = {
    "the", "your", "you", "with", "please", "what", "when", "which", "doctors", "pain",
    "search", "result", "results", "answer", "answers", "there", "is", "are", "not", "of", "miles",
    "away", "near", "within", "back", "find", "check", "report", "listing", "yes",
}  # fmt: skip


def test_every_spanish_catalog_entry_is_translated_and_none_is_fuzzy() -> None:
    catalog = polib.pofile(str(SPANISH_CATALOG))

    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []
    assert not catalog.metadata_is_fuzzy


def test_the_committed_compiled_catalog_holds_exactly_what_its_source_says(tmp_path: Path) -> None:
    source = tmp_path / "django.po"
    source.write_bytes(SPANISH_CATALOG.read_bytes())
    fresh = compile_catalog(source)

    with open(SPANISH_CATALOG.with_suffix(".mo"), "rb") as committed, open(fresh, "rb") as rebuilt:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(rebuilt)._catalog  # type: ignore[attr-defined]


def test_the_spanish_catalog_keeps_the_placeholders_of_every_message() -> None:
    placeholder = re.compile(r"%\(\w+\)s")
    for entry in polib.pofile(str(SPANISH_CATALOG)):
        english = sorted(placeholder.findall(entry.msgid_plural or entry.msgid))
        spanish = [entry.msgstr] if not entry.msgid_plural else [entry.msgstr_plural[2]]
        for text in spanish:
            assert sorted(placeholder.findall(text)) == english, entry.msgid


@pytest.mark.django_db
def test_every_procedure_condition_and_language_has_a_spanish_name() -> None:
    english = [
        *Procedure.objects.values_list("name", flat=True),
        *Procedure.objects.values_list("description", flat=True),
        *Condition.objects.values_list("name", flat=True),
        *Condition.objects.values_list("description", flat=True),
        *Language.objects.values_list("name", flat=True),
    ]
    translated = {entry.msgid for entry in polib.pofile(str(SPANISH_CATALOG)) if entry.msgstr}
    assert len(english) > 20
    assert [text for text in english if text not in translated] == []
    with translation.override("es"):
        assert translation.gettext("Herniated disc") == "Hernia de disco"


@pytest.mark.django_db
def test_no_spanish_patient_page_shows_an_english_sentence() -> None:
    for name, english_html, spanish_html in patient_pages():
        assert '<html lang="en">' in english_html, name
        assert '<html lang="es">' in spanish_html, name
        words = set(re.findall(r"[a-z]+", _without_directory_data(visible_text(spanish_html)).lower()))
        assert words & ENGLISH_ONLY_WORDS == set(), f"{name}: {sorted(words & ENGLISH_ONLY_WORDS)}"


def _without_directory_data(text: str) -> str:
    """The page's own words: names, addresses and the language switch's "English" taken out."""
    from directory.models import Practice, PracticeLocation, Provider

    data = [*Practice.objects.values_list("name", flat=True), "English", "IR Portal"]
    data += [provider.display_name for provider in Provider.objects.all()]
    data += [location.address_line1 for location in PracticeLocation.objects.all()]
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


@pytest.mark.django_db
def test_a_browser_that_prefers_spanish_is_sent_to_the_same_page_in_spanish(client: Client) -> None:
    response = client.get("/find/?near=80202&radius=10", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")

    assert response.status_code == 302
    assert response["Location"] == "/es/find/?near=80202&radius=10"


@pytest.mark.django_db
def test_a_browser_that_prefers_english_stays_on_the_english_page(client: Client) -> None:
    response = client.get("/find/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9,es;q=0.5")

    assert response.status_code == 200
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_choosing_english_with_the_switch_wins_over_a_spanish_browser(client: Client) -> None:
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/find/?near=80202"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response["Location"] == "/find/?near=80202"

    page = client.get("/find/?near=80202", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    assert '<html lang="en">' in page.content.decode()


@pytest.mark.django_db
def test_the_switch_and_the_alternates_keep_the_search(client: Client) -> None:
    provider = ProviderFactory.create(locations=[PracticeLocationFactory.create()])

    html = client.get(f"/es/find/{provider.npi}/?near=80202&radius=10").content.decode()

    query = "?near=80202&amp;radius=10"
    assert f'hreflang="en" href="http://testserver/find/{provider.npi}/{query}"' in html
    assert f'hreflang="es" href="http://testserver/es/find/{provider.npi}/{query}"' in html
    assert f'name="next" value="/find/{provider.npi}/{query}"' in html
    assert 'value="en" lang="en"' in html


@pytest.mark.django_db
def test_clinician_pages_have_one_address_and_no_language_switch(client: Client) -> None:
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert '<html lang="en">' in html
    assert "hreflang" not in html
    assert "/i18n/setlang/" not in html


@pytest.mark.django_db
def test_a_spanish_visitor_who_searches_too_often_is_told_to_wait_in_spanish(
    client: Client, settings: Any
) -> None:
    settings.PUBLIC_RATE_LIMITS = {**settings.PUBLIC_RATE_LIMITS, "search": "1/m"}
    client.get("/es/find/", {"near": "80202"})

    response = client.get("/es/find/", {"near": "80202"})

    assert response.status_code == 429
    assert "Demasiadas solicitudes desde su dirección" in response.content.decode()
    assert (
        client.get("/api/v1/providers/", {"near": "80202"}).json()["detail"].startswith("Too many requests")
    )
