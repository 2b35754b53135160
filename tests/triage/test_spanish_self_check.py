"""The Spanish self-check is the English one's screening: same questions, same answers, same result."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from triage.models import Assessment
from triage.rules import ANSWER_KEYS, QUESTIONS

pytestmark = pytest.mark.django_db

EXAMPLES = {
    "emergency": (48, 1, ("bladder_bowel_difficulty",)),
    "urgent": (48, 1, ("recent_trauma",)),
    "soon": (48, 1, ("leg_numbness_tingling",)),
    "self_care": (35, 2, ()),
}


class FormInputs(HTMLParser):
    """The self-check form as a person meets it: each yes/no question's text and its radio inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.questions: dict[str, str] = {}  # input name -> question text
        self.number_inputs: list[str] = []
        self._legend: list[str] | None = None
        self._last_legend = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "legend":
            self._legend = []
        elif tag == "input" and names.get("type") == "radio" and names.get("value") == "yes":
            self.questions[str(names["name"])] = self._last_legend
        elif tag == "input" and names.get("type") == "number":
            self.number_inputs.append(str(names["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "legend" and self._legend is not None:
            self._last_legend = " ".join("".join(self._legend).split())
            self._legend = None

    def handle_data(self, data: str) -> None:
        if self._legend is not None:
            self._legend.append(data)


def spanish_form(client: Client) -> FormInputs:
    response = client.get("/es/check/")
    assert response.status_code == 200
    form = FormInputs()
    form.feed(response.content.decode())
    return form


def submit(
    client: Client, prefix: str, names: list[str], *, age: int, weeks: int, yes: tuple[str, ...]
) -> Assessment:
    answers = {name: "yes" if name in yes else "no" for name in names}
    response = client.post(f"{prefix}/check/", {"age": age, "pain_duration_weeks": weeks, **answers})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"].startswith(f"{prefix}/check/result/")
    return Assessment.objects.latest("created_at")


def test_the_spanish_form_asks_the_same_14_questions_in_spanish(client: Client) -> None:
    form = spanish_form(client)

    assert sorted(form.questions) == sorted(ANSWER_KEYS)
    assert form.number_inputs == ["age", "pain_duration_weeks"]
    for key, text in form.questions.items():
        assert text.startswith("¿") and text.endswith("?"), text
        assert text != QUESTIONS[key].text


@pytest.mark.parametrize("key", ANSWER_KEYS)
def test_each_answer_gives_the_same_result_in_spanish_as_in_english(client: Client, key: str) -> None:
    names = list(spanish_form(client).questions)

    spanish = submit(client, "/es", names, age=45, weeks=3, yes=(key,))
    english = submit(client, "", names, age=45, weeks=3, yes=(key,))

    assert spanish.disposition == english.disposition
    assert spanish.reasons == english.reasons


@pytest.mark.parametrize("disposition", EXAMPLES)
def test_the_examples_give_the_same_result_in_spanish_as_in_english(client: Client, disposition: str) -> None:
    age, weeks, yes = EXAMPLES[disposition]
    names = list(spanish_form(client).questions)

    spanish = submit(client, "/es", names, age=age, weeks=weeks, yes=yes)
    english = submit(client, "", names, age=age, weeks=weeks, yes=yes)

    assert spanish.disposition == english.disposition == disposition


def test_the_spanish_emergency_result_opens_with_go_to_the_emergency_department_or_call_911(
    client: Client,
) -> None:
    names = list(spanish_form(client).questions)
    assessment = submit(client, "/es", names, age=50, weeks=1, yes=("saddle_numbness",))

    html = client.get(f"/es/check/result/{assessment.public_id}/").content.decode()

    main = html[html.index('<main id="main"') :]
    first_heading = re.search(r"<h1>(.*?)</h1>", main)
    assert first_heading is not None
    assert first_heading.group(1) == "Vaya a urgencias ahora, o llame al 911."
    assert main.index('class="alert-emergency" role="alert"') < main.index("<h2>")


def test_switching_language_mid_way_keeps_the_answers_and_stores_nothing(client: Client) -> None:
    partial = {"age": "61", "fever": "yes", "osteoporosis": "no", "switch_language": "es"}

    response = client.post("/es/check/", partial)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert 'value="61"' in html
    assert re.search(r'name="fever" value="yes"[^>]*checked', html)
    assert re.search(r'name="osteoporosis" value="no"[^>]*checked', html)
    assert "error-summary" not in html
    assert not Assessment.objects.exists()
    assert response.cookies["django_language"].value == "es"
