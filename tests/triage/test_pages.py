"""The patient self-check pages, driven through Django's test client."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from tests.triage.factories import AssessmentFactory, answers_with
from triage.models import Assessment
from triage.rules import ANSWER_KEYS

pytestmark = pytest.mark.django_db


def form_data(age: int = 45, weeks: int = 2, yes: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        "age": str(age),
        "pain_duration_weeks": str(weeks),
        **{key: "yes" if key in yes else "no" for key in ANSWER_KEYS},
    }


def checked_values(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="(\w+)"[^>]*\schecked', html)


def test_the_questionnaire_asks_every_question_with_nothing_preselected(client: Client) -> None:
    response = client.get("/check/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<legend>") == 5 + 1 + len(ANSWER_KEYS)
    for key in ANSWER_KEYS:
        assert f'name="{key}" value="yes"' in html
        assert f'name="{key}" value="no"' in html
    assert " checked" not in html
    assert 'for="id_age"' in html
    assert 'for="id_pain_duration_weeks"' in html
    assert "saddle numbness" in html.lower()


def test_unanswered_questions_re_render_with_errors_and_keep_the_answers_given(client: Client) -> None:
    partial = {"age": "54", "fever": "yes", "osteoporosis": "no"}

    response = client.post("/check/", partial)

    html = response.content.decode()
    assert response.status_code == 200
    assert not Assessment.objects.exists()
    assert 'class="error-summary" role="alert"' in html
    # The summary is short: the count, and a link to the first question still to answer.
    assert "There are 13 problems with your answers" in html
    assert 'href="#id_pain_duration_weeks"' in html
    assert 'href="#id_saddle_numbness_0"' not in html
    assert 'id="id_saddle_numbness_error"' in html
    assert checked_values(html, "fever") == ["yes"]
    assert checked_values(html, "osteoporosis") == ["no"]
    assert checked_values(html, "saddle_numbness") == []
    assert 'value="54"' in html


def test_an_age_under_18_is_explained_next_to_the_field(client: Client) -> None:
    response = client.post("/check/", form_data(age=16))

    assert "adults aged 18 or over" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_full_answer_set_redirects_to_an_opaque_result_address(client: Client) -> None:
    response = client.post("/check/", form_data(age=61, weeks=3, yes=("fever",)))

    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/check/result/{assessment.public_id}/"
    # Nothing but the random id: no answer, age or duration can leak through the address.
    assert re.fullmatch(
        r"/check/result/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/", response["Location"]
    )
    assert assessment.source == "self_check"
    assert assessment.age_band == "60-69"


def test_an_emergency_result_opens_with_an_unmissable_go_to_the_emergency_department(client: Client) -> None:
    response = client.post("/check/", form_data(yes=("bladder_bowel_difficulty",)), follow=True)

    html = response.content.decode()
    first_heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert first_heading is not None
    assert "emergency department" in first_heading.group(1)
    assert "911" in first_heading.group(1)
    assert re.search(r'class="alert-emergency" role="alert">\s*<h1>', html)
    assert "Trouble controlling bladder or bowels" in html
    assert "not a diagnosis" in html


@pytest.mark.parametrize(
    ("yes", "age", "first_line"),
    [
        (("recent_trauma",), 45, "within 24 to 48 hours"),
        (("leg_numbness_tingling",), 45, "within 1 to 2 weeks"),
        ((), 75, "within 1 to 2 weeks"),
    ],
)
def test_urgent_and_soon_results_open_with_the_time_frame_and_whom_to_see(
    client: Client, yes: tuple[str, ...], age: int, first_line: str
) -> None:
    html = client.post("/check/", form_data(age=age, yes=yes), follow=True).content.decode()

    heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert heading is not None
    assert first_line in heading.group(1)
    assert "doctor" in heading.group(1)
    assert "alert-emergency" not in html.split("<h1>")[1]
    assert "not a diagnosis" in html


def test_a_self_care_result_says_what_helps_and_links_to_the_finder(client: Client) -> None:
    html = client.post("/check/", form_data(age=40), follow=True).content.decode()

    assert "at home" in re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)  # type: ignore[union-attr]
    for words in ("active", "bed", "Heat and massage", "anti-inflammatory", "physical therapist", "6 weeks"):
        assert words in html
    assert 'href="/find/"' in html
    assert "answered no to every warning-sign question" in html
    assert "not a diagnosis" in html


def test_the_result_lists_the_answers_that_led_to_it(client: Client) -> None:
    html = client.post(
        "/check/", form_data(age=72, yes=("cancer_history", "leg_weakness")), follow=True
    ).content.decode()

    reasons = html.split("Why you got this result")[1].split("</ul>")[0]
    assert "History of cancer" in reasons
    assert "Leg weakness" in reasons
    assert "Age 70 or older" not in reasons


def test_results_are_not_cached(client: Client) -> None:
    assessment = AssessmentFactory.create()

    response = client.get(f"/check/result/{assessment.public_id}/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_result_id_is_a_404(client: Client) -> None:
    assert client.get(f"/check/result/{uuid.uuid4()}/").status_code == 404


def test_a_referral_assessment_is_not_shown_on_the_public_result_page(client: Client) -> None:
    assessment = AssessmentFactory.create(source=Assessment.Source.REFERRAL, answers=answers_with("fever"))

    assert client.get(f"/check/result/{assessment.public_id}/").status_code == 404


@pytest.mark.parametrize("tampered", ["true", "maybe", ""])
def test_an_answer_other_than_yes_or_no_is_an_error_next_to_it_never_a_no(
    client: Client, tampered: str
) -> None:
    data = {**form_data(), "saddle_numbness": tampered}

    response = client.post("/check/", data)

    html = response.content.decode()
    assert response.status_code == 200
    assert not Assessment.objects.exists()
    assert 'href="#id_saddle_numbness_0"' in html
    assert 'id="id_saddle_numbness_error"' in html
    assert checked_values(html, "fever") == ["no"]


@pytest.mark.parametrize("age", ["121", "fifty", "54.5"])
def test_an_age_out_of_range_or_not_whole_is_summarised_and_linked_to_the_age_box(
    client: Client, age: str
) -> None:
    response = client.post("/check/", {**form_data(), "age": age})

    html = response.content.decode()
    assert not Assessment.objects.exists()
    assert 'href="#id_age"' in html
    assert 'id="id_age_error"' in html
    assert 'aria-invalid="true"' in html


def test_self_care_after_six_weeks_opens_with_booking_a_doctor_and_still_says_what_helps(
    client: Client,
) -> None:
    html = client.post("/check/", form_data(age=40, weeks=8), follow=True).content.decode()

    heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert heading is not None
    assert "Book a visit with your doctor" in heading.group(1)
    for words in (
        "active",
        "Heat and massage",
        "anti-inflammatory",
        "physical therapist",
        "interventional radiologist",
    ):
        assert words in html
    assert 'href="/find/"' in html
    assert "not a diagnosis" in html
