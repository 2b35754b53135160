"""JSON input and output for red-flag assessments.

Strict on purpose: a red flag answered ``0``, ``"no"`` or ``null``, or left out, is an error
naming the key, because reading it as "no" could hide an emergency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from triage.rules import ANSWER_KEYS, QUESTIONS, Disposition

MIN_AGE = 18
MAX_AGE = 120
# A cap keeps absurd numbers out of the database column; nobody has had back pain for longer.
MAX_PAIN_DURATION_WEEKS = MAX_AGE * 52


class StrictBooleanField(serializers.BooleanField):
    """Accepts only JSON ``true`` or ``false``."""

    default_error_messages = {
        "invalid": "Answer with true or false (a JSON boolean), not a number or text.",
        "required": "This answer is required: true or false.",
        "null": "Answer with true or false; null is not an answer.",
    }

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class StrictIntegerField(serializers.IntegerField):
    """Accepts only a JSON integer: ``54``, never ``"54"``, ``54.0`` or ``true``."""

    default_error_messages = {
        "invalid": "Give a whole number (a JSON integer such as 54), not text or a decimal.",
        "null": "Give a whole number; null is not allowed.",
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class RejectUnknownKeysMixin:
    """Adds a 400 for every key the serializer does not define, next to the other field errors."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        errors = {str(key): ["Unknown field: remove it."] for key in unknown}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            raise serializers.ValidationError({**exc.detail, **errors}) from exc
        if errors:
            raise serializers.ValidationError(errors)
        return value


def answer_fields() -> dict[str, serializers.Field]:
    """One required strict-boolean field per answer key, documented with its question."""
    return {key: StrictBooleanField(help_text=QUESTIONS[key].text) for key in ANSWER_KEYS}


def pain_duration_weeks_field() -> StrictIntegerField:
    return StrictIntegerField(
        min_value=0,
        max_value=MAX_PAIN_DURATION_WEEKS,
        help_text="How long the back pain has lasted, in whole weeks (0 for less than a week).",
    )


class AnswersSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    """The 14 red-flag answers, every one required and a JSON boolean."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return answer_fields()


class ScreeningSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    """The red-flag screening nested in other bodies, in the shape the assessment API takes:
    ``{"pain_duration_weeks": 8, "answers": {<every key>: true|false}}`` (docs/triage.md).

    ``validated_data`` is ready to pass to ``assessment_create(age=..., source=..., **validated_data)``.
    """

    pain_duration_weeks = pain_duration_weeks_field()
    answers = AnswersSerializer(help_text="Every red-flag question answered true or false.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {"pain_duration_weeks": attrs["pain_duration_weeks"], "answers": dict(attrs["answers"])}


class AssessmentRequestSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    """``POST /api/v1/triage/assessments/``: age, pain duration and every answer."""

    age = StrictIntegerField(
        min_value=MIN_AGE,
        max_value=MAX_AGE,
        help_text="Age in whole years, 18 to 120. Only a ten-year band is stored.",
        error_messages={
            "min_value": "This check is for adults: age must be 18 or over.",
            "max_value": "Age must be 120 or under.",
        },
    )
    pain_duration_weeks = pain_duration_weeks_field()
    answers = AnswersSerializer(help_text="Every red-flag question answered true or false.")


class ReasonSerializer(serializers.Serializer):
    flag = serializers.CharField(help_text="The answer key (or age_70_or_older) that led to the result.")
    explanation = serializers.CharField(help_text="Why this flag matters, in plain words.")


class AssessmentResultSerializer(serializers.Serializer):
    """What the rules decided, first line of ``advice`` first."""

    disposition = serializers.ChoiceField(choices=[d.value for d in Disposition])
    reasons = ReasonSerializer(many=True)
    advice = serializers.ListField(child=serializers.CharField())
    ruleset_version = serializers.CharField()
