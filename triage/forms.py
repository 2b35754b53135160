"""The patient self-check questionnaire: plain questions, yes/no radios, nothing answered for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from triage.rules import ANSWER_KEYS, QUESTION_GROUPS, QUESTIONS
from triage.serializers import MAX_AGE, MAX_PAIN_DURATION_WEEKS, MIN_AGE

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _is_yes(value: str) -> bool:
    return value == "yes"


def red_flag_field(key: str) -> forms.TypedChoiceField:
    """A yes/no radio question for one red flag, in its plain-language wording, with nothing preselected."""
    return forms.TypedChoiceField(
        label=gettext(QUESTIONS[key].text),
        help_text=gettext(QUESTIONS[key].help),
        choices=YES_NO,
        coerce=_is_yes,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no."), "invalid_choice": _("Choose yes or no.")},
    )


@dataclass(frozen=True)
class FieldGroup:
    legend: str
    fields: list[forms.BoundField]


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: where to jump, and what is wrong there."""

    anchor: str
    label: str
    message: str


class SelfCheckForm(forms.Form):
    age = forms.IntegerField(
        label=_("How old are you?"),
        help_text=_("In years. This check is for adults aged 18 or over. We keep only an age range."),
        min_value=MIN_AGE,
        max_value=MAX_AGE,
        error_messages={
            "required": _("Enter your age in years."),
            "invalid": _("Enter your age as a whole number, like 54."),
            "min_value": _("This check is for adults aged 18 or over. For a child, please call your doctor."),
            "max_value": _("Enter an age of 120 or under."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    pain_duration_weeks = forms.IntegerField(
        label=_("How many weeks has your back hurt?"),
        help_text=_("Whole weeks. Enter 0 if it started less than a week ago."),
        min_value=0,
        max_value=MAX_PAIN_DURATION_WEEKS,
        error_messages={
            "required": _("Enter how many weeks your back has hurt (0 if less than a week)."),
            "invalid": _("Enter the number of weeks as a whole number, like 3."),
            "min_value": _("Enter 0 or more weeks."),
            "max_value": _("Enter a smaller number of weeks."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in ANSWER_KEYS:
            self.fields[key] = red_flag_field(key)

    @staticmethod
    def answer_names() -> tuple[str, ...]:
        """The names of every input of the form, in page order."""
        return ("age", "pain_duration_weeks", *ANSWER_KEYS)

    def about_you(self) -> list[forms.BoundField]:
        """Age and pain duration: asked first, outside the yes/no groups."""
        return [self["age"], self["pain_duration_weeks"]]

    def question_groups(self) -> list[FieldGroup]:
        """The yes/no questions in their groups, in the order the rules list them."""
        return [
            FieldGroup(gettext(group.legend), [self[key] for key in group.keys]) for group in QUESTION_GROUPS
        ]

    def error_links(self) -> list[ErrorLink]:
        """Every field error in page order, each pointing at the first input of its field."""
        links = []
        for name in self.answer_names():
            bound = self[name]
            if bound.errors:
                anchor = bound.auto_id if name not in ANSWER_KEYS else f"{bound.auto_id}_0"
                links.append(ErrorLink(anchor=anchor, label=str(bound.label), message=str(bound.errors[0])))
        return links

    def assessment_input(self) -> dict[str, Any]:
        """Keyword arguments for ``assessment_create`` (without ``source``); call after is_valid()."""
        data = self.cleaned_data
        return {
            "age": data["age"],
            "pain_duration_weeks": data["pain_duration_weeks"],
            "answers": {key: data[key] for key in ANSWER_KEYS},
        }
