"""Writes for the triage app: every stored assessment goes through ``assessment_create``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

from triage.models import Assessment, age_band
from triage.rules import ANSWER_KEYS, assess_red_flags


def assessment_create(
    *, age: int, pain_duration_weeks: int, answers: Mapping[str, bool], source: str
) -> Assessment:
    """Run the red-flag rules over the answers and store the result without any identity.

    Returns the saved row. Raises ValueError (nothing saved) for a missing, unknown or non-boolean
    answer, an age under 18, a negative duration or an unknown source: everything is checked
    before the one INSERT, so it needs no transaction of its own.
    """
    if source not in Assessment.Source.values:
        raise ValueError(f"Unknown assessment source: {source!r}.")
    band = age_band(age)
    result = assess_red_flags(age=age, pain_duration_weeks=pain_duration_weeks, answers=answers)
    return Assessment.objects.create(
        answers={key: answers[key] for key in ANSWER_KEYS},
        age_band=band,
        pain_duration_weeks=pain_duration_weeks,
        disposition=result.disposition.value,
        reasons=[asdict(reason) for reason in result.reasons],
        advice=list(result.advice),
        ruleset_version=result.ruleset_version,
        source=source,
    )
