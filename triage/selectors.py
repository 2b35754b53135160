"""Reads for the triage pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from triage.models import Assessment
from triage.rules import ANSWER_KEYS, FLAG_NAMES, QUESTIONS


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


def self_check_get(*, public_id: uuid.UUID) -> Assessment:
    """The anonymous self-check with this id; 404 for anything else, referral assessments included."""
    return get_object_or_404(Assessment, public_id=public_id, source=Assessment.Source.SELF_CHECK)


def assessment_reason_rows(assessment: Assessment) -> list[tuple[str, str]]:
    """(short flag name, why it matters) for each stored reason, in stored order, in the page's language."""
    return [
        (gettext(FLAG_NAMES.get(r["flag"], r["flag"])), gettext(r["explanation"])) for r in assessment.reasons
    ]


def assessment_answer_rows(assessment: Assessment) -> list[AnswerRow]:
    """Every question with the stored answer, in question order, in the page's language."""
    return [
        AnswerRow(
            gettext(QUESTIONS[key].text), gettext("Yes") if assessment.answers.get(key) else gettext("No")
        )
        for key in ANSWER_KEYS
        if key in assessment.answers
    ]
