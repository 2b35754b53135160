"""Shared setup for the triage tests."""

from __future__ import annotations

from typing import Any

import factory

from triage.models import Assessment
from triage.rules import ANSWER_KEYS
from triage.services import assessment_create


def answers_with(*yes: str) -> dict[str, bool]:
    """A full answer set: the named keys answered yes, every other key answered no."""
    unknown = set(yes) - set(ANSWER_KEYS)
    assert not unknown, f"not an answer key: {unknown}"
    return {key: key in yes for key in ANSWER_KEYS}


class AssessmentFactory(factory.django.DjangoModelFactory[Assessment]):
    """An anonymous self-check, stored through the same service the pages and API use."""

    class Meta:
        model = Assessment

    age = 45
    pain_duration_weeks = 2
    answers = factory.LazyFunction(answers_with)
    source = Assessment.Source.SELF_CHECK

    @classmethod
    def _create(cls, model_class: type[Assessment], *args: Any, **kwargs: Any) -> Assessment:
        return assessment_create(**kwargs)
