"""The small forms behind the buttons on a referral's admin page (``referrals.admin.page_actions``).

Each form only gathers input; the service it feeds checks it again and decides. Times are
read in the current zone, which the page sets to the practice's (docs/workflow.md).
"""

from __future__ import annotations

from typing import Any

from django import forms

from directory.models import PracticeLocation, Provider
from referrals.admin.forms import CompleteForm, DeclineForm, PracticeTimeInput, name_the_zone
from referrals.models import Appointment, Referral
from referrals.services.appointments import VISIT_OUTCOMES

OUTCOME_CHOICES = [(value, Appointment.Status(value).label) for value in VISIT_OUTCOMES]


class AcceptForm(forms.Form):
    """Nothing to fill in: the button confirms."""

    def __init__(self, data: Any = None, *, referral: Referral) -> None:
        super().__init__(data)


class ReferralDeclineForm(DeclineForm):
    def __init__(self, data: Any = None, *, referral: Referral) -> None:
        super().__init__(data)


class ReferralCompleteForm(CompleteForm):
    def __init__(self, data: Any = None, *, referral: Referral) -> None:
        super().__init__(data)


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        label="Reason",
        help_text="The referring clinician sees it; booked visits are cancelled too.",
    )

    def __init__(self, data: Any = None, *, referral: Referral) -> None:
        super().__init__(data)


def pain_score_field() -> forms.IntegerField:
    return forms.IntegerField(
        min_value=0, max_value=10, required=False, label="Pain score (0-10)", help_text="If it was taken."
    )


class BookForm(forms.Form):
    """A visit at the referral's practice; one that already happened is recorded with how it went."""

    kind = forms.ChoiceField(choices=Appointment.Kind.choices, label="Visit")
    starts_at = forms.DateTimeField(label="Starts at", widget=PracticeTimeInput())
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), required=False, label="Provider")
    location = forms.ModelChoiceField(
        queryset=PracticeLocation.objects.none(), required=False, label="Location"
    )
    outcome = forms.ChoiceField(
        choices=[("", "Still to come"), *OUTCOME_CHOICES],
        required=False,
        label="If it already happened",
        help_text="A time gone by is only taken as a visit that happened, with how it went.",
    )
    pain_score = pain_score_field()

    def __init__(self, data: Any = None, *, referral: Referral) -> None:
        super().__init__(data)
        name_the_zone(self.fields["starts_at"])
        providers = Provider.objects.filter(locations__practice=referral.practice).distinct()
        self.fields["provider"].queryset = providers.order_by("last_name", "first_name")  # type: ignore[attr-defined]
        locations = PracticeLocation.objects.filter(practice=referral.practice)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {**data, "outcome": data["outcome"] or None}


class RecordVisitForm(forms.Form):
    """How a booked visit went: arrived, fulfilled (with the pain score) or no-show."""

    visit = forms.ModelChoiceField(queryset=Appointment.objects.none(), label="Visit", empty_label=None)
    status = forms.ChoiceField(choices=OUTCOME_CHOICES, label="What happened")
    pain_score = pain_score_field()

    def __init__(self, data: Any = None, *, referral: Referral) -> None:
        super().__init__(data)
        visits = referral.appointments.filter(status__in=Appointment.SLOT_HOLDING_STATUSES)
        self.fields["visit"].queryset = visits.select_related("location").order_by("starts_at")  # type: ignore[attr-defined]
