"""Storing assessments: what is kept, what is refused."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from tests.triage.factories import answers_with
from triage.models import Assessment, age_band
from triage.serializers import ScreeningSerializer
from triage.services import assessment_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("age", "band"),
    [(18, "18-29"), (29, "18-29"), (30, "30-39"), (69, "60-69"), (70, "70-79"), (79, "70-79"), (80, "80+")],
)
def test_ages_are_stored_as_bands_that_never_straddle_70(age: int, band: str) -> None:
    assert age_band(age) == band


def test_an_assessment_keeps_result_reasons_advice_and_version_but_no_identity() -> None:
    assessment = assessment_create(
        age=72, pain_duration_weeks=8, answers=answers_with("leg_numbness_tingling"), source="referral"
    )

    assessment.refresh_from_db()
    assert assessment.disposition == "soon"
    assert [reason["flag"] for reason in assessment.reasons] == ["leg_numbness_tingling", "age_70_or_older"]
    assert assessment.advice[0].startswith("Book a visit")
    assert assessment.age_band == "70-79"
    assert assessment.ruleset_version
    field_names = {field.name for field in Assessment._meta.get_fields()}
    assert not field_names & {"name", "birth_date", "date_of_birth", "email", "phone", "zip_code"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"age": 17}, "18"),
        ({"source": "walk_in"}, "source"),
        ({"answers": {**answers_with(), "fever": None}}, "fever"),
        ({"pain_duration_weeks": -1}, "pain_duration_weeks"),
    ],
)
def test_bad_input_raises_and_saves_nothing(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "age": 40,
        "pain_duration_weeks": 1,
        "answers": answers_with(),
        "source": "self_check",
        **kwargs,
    }

    with pytest.raises(ValueError, match=message):
        assessment_create(**arguments)  # type: ignore[arg-type]
    assert not Assessment.objects.exists()


def test_the_nestable_serializer_hands_back_ready_arguments_for_assessment_create() -> None:
    serializer = ScreeningSerializer(data={"answers": answers_with("fever"), "pain_duration_weeks": 4})

    assert serializer.is_valid(), serializer.errors
    assessment = assessment_create(age=50, source="referral", **serializer.validated_data)
    assert assessment.disposition == "urgent"
    assert assessment.pain_duration_weeks == 4


def test_the_nestable_serializer_is_as_strict_as_the_api() -> None:
    answers: dict[str, object] = {**answers_with(), "fever": 0, "extra": True}
    del answers["saddle_numbness"]

    serializer = ScreeningSerializer(data={"answers": answers, "other": 1})

    assert not serializer.is_valid()
    assert set(serializer.errors) == {"answers", "other", "pain_duration_weeks"}
    assert set(serializer.errors["answers"]) == {"fever", "saddle_numbness", "extra"}


def test_the_nestable_serializer_works_nested_inside_another_body() -> None:
    class ReferralBody(serializers.Serializer):
        triage = ScreeningSerializer()

    screening = {"answers": answers_with("saddle_numbness"), "pain_duration_weeks": 0}
    body = ReferralBody(data={"triage": screening})

    assert body.is_valid(), body.errors
    assert body.validated_data["triage"]["answers"]["saddle_numbness"] is True
    assert body.validated_data["triage"]["pain_duration_weeks"] == 0
