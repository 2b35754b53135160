"""The clinician's referral form: the patient, the red-flag screening and the clinical question."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings

from directory.models import Condition, Procedure
from referrals.models import Patient
from triage.forms import FieldGroup, red_flag_field
from triage.rules import ANSWER_KEYS, QUESTION_GROUPS

PATIENT_FORM_FIELDS = (
    "first_name", "last_name", "birth_date", "sex", "phone", "email", "postal_code", "language",
)  # fmt: skip
# Service error keys that name a whole section rather than one input: shown beside its first input.
SECTION_FIELDS = {"triage": "pain_duration_weeks"}


class ReferralForm(forms.Form):
    """Everything ``referral_submit`` needs; the idempotency key makes a double submit harmless."""

    first_name = forms.CharField(max_length=100, label="First name")
    last_name = forms.CharField(max_length=100, label="Last name")
    # A text input, not the browser's date picker: the picker shows the browser's own format
    # (mm/dd/yyyy in the US), which no hint can name, and a birth date is typed, not browsed to.
    birth_date = forms.DateField(
        label="Date of birth",
        help_text="Year-month-day, YYYY-MM-DD: for example 1970-05-17.",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid": "Give the birth date as YYYY-MM-DD, for example 1970-05-17."},
    )
    # No choice is made for the clinician: an untouched field is an error, never "female".
    sex = forms.ChoiceField(
        choices=[("", "Choose one"), *Patient.Sex.choices],
        label="Sex",
        error_messages={"required": "Choose the patient's sex (Unknown if it is not known)."},
    )
    phone = forms.CharField(max_length=32, label="Phone", widget=forms.TextInput(attrs={"type": "tel"}))
    email = forms.EmailField(required=False, label="Email (optional)")
    postal_code = forms.CharField(
        max_length=10, label="ZIP code", help_text="The patient's 5-digit ZIP: routing searches around it."
    )
    language = forms.TypedChoiceField(
        choices=settings.LANGUAGES,
        initial="en",
        required=False,
        empty_value="en",
        label="Patient's language",
        help_text="Their appointment notices and follow-up questions come in this language.",
    )
    pain_duration_weeks = forms.IntegerField(
        min_value=0,
        max_value=5200,
        label="How many weeks has the back pain lasted?",
        help_text="Whole weeks; 0 if less than a week.",
    )
    requested_procedure = forms.ModelChoiceField(
        queryset=Procedure.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(none)",
        label="Requested procedure",
    )
    suspected_condition = forms.ModelChoiceField(
        queryset=Condition.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="(none)",
        label="Suspected condition",
        help_text="Name a procedure, a condition or both.",
    )
    clinical_question = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label="Clinical question"
    )
    pain_score = forms.IntegerField(
        min_value=0,
        max_value=10,
        required=False,
        label="Pain score today (0-10)",
        error_messages={
            "min_value": "Pain score must be a whole number from 0 to 10.",
            "max_value": "Pain score must be a whole number from 0 to 10.",
        },
    )
    imaging_summary = forms.CharField(
        max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Imaging (optional)"
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))
        for key in ANSWER_KEYS:
            self.fields[key] = red_flag_field(key)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("requested_procedure") and not data.get("suspected_condition"):
            self.add_error(
                "requested_procedure", "Name a requested procedure or a suspected condition (or both)."
            )
        return data

    def patient_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in PATIENT_FORM_FIELDS]

    def question_groups(self) -> list[FieldGroup]:
        """The 14 red-flag questions in the groups and order the patient self-check uses."""
        return [FieldGroup(group.legend, [self[key] for key in group.keys]) for group in QUESTION_GROUPS]

    def referral_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "requested_procedure",
                "suspected_condition",
                "clinical_question",
                "pain_score",
                "imaging_summary",
            )
        ]

    def submission(self) -> dict[str, Any]:
        """Keyword arguments for ``referral_submit`` (without the clinician); call after is_valid()."""
        data = self.cleaned_data
        submission = {
            "patient_data": {name: data.get(name) or "" for name in PATIENT_FORM_FIELDS},
            "triage_data": {
                "pain_duration_weeks": data["pain_duration_weeks"],
                "answers": {key: data[key] for key in ANSWER_KEYS},
            },
            "requested_procedure": data.get("requested_procedure"),
            "suspected_condition": data.get("suspected_condition"),
            "clinical_question": data["clinical_question"],
            "pain_score": data.get("pain_score"),
            "imaging_summary": data.get("imaging_summary", ""),
            "idempotency_key": f"form-{data['idempotency_key']}",
        }
        return {**submission, "fingerprint": fingerprint(submission)}

    def add_service_errors(self, errors: Mapping[str, Any]) -> None:
        """Show a service's field errors beside the inputs they concern (patient errors are nested)."""
        for name, messages in errors.items():
            if isinstance(messages, Mapping):
                self.add_service_errors(messages)
                continue
            field = SECTION_FIELDS.get(name, name)
            for message in messages if isinstance(messages, list) else [messages]:
                self.add_error(field if field in self.fields else None, str(message))


def fingerprint(submission: Mapping[str, Any]) -> str:
    """A digest of what was asked, so a replayed key with other answers is told apart."""
    canonical = json.dumps(submission, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why cancel?",
        error_messages={"required": "Say why you are cancelling; the practice sees it."},
    )
