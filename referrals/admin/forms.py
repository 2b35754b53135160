"""Forms behind the office admin: the intermediate steps of admin actions, and the visit inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from directory.models import Practice
from referrals.models import Appointment, ReferralEvent
from referrals.routing import HandRoutingOption


class PracticeTimeInput(forms.DateTimeInput):
    """A date and time picked in the browser's own control, read in the current (the practice's) zone.

    The admin's split date/time widget compares the browser's clock with the server's and
    warns about hours ahead or behind; the practice's zone, named beside the field, is the
    only zone that matters to the clerk.
    """

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def name_the_zone(field: forms.Field) -> None:
    """Put the current zone's abbreviation in ``field``'s label: "Starts at (CST)"."""
    field.label = f"{field.label or 'Starts at'} ({timezone.localtime().tzname()})"
    field.help_text = f"In the practice's time zone, {timezone.get_current_timezone_name()}."


class DeclineForm(forms.Form):
    """Why the office declines: a coded reason everyone can count, and a free comment."""

    reason = forms.ChoiceField(choices=ReferralEvent.Reason.choices, label="Reason")
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        required=False,
        max_length=2000,
        help_text="Required when the reason is 'Other'. The referring clinician sees it.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == ReferralEvent.Reason.OTHER and not data.get("comment", "").strip():
            self.add_error("comment", "Say why in a comment when the reason is 'Other'.")
        return data


class CompleteForm(forms.Form):
    """The outcome that goes back to the referring clinician and closes the loop."""

    outcome_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        max_length=4000,
        label="Outcome summary",
        help_text="What was done and what the referring clinician should do next.",
    )


class RouteByHandForm(forms.Form):
    """Which practice takes an unroutable referral, from those near the patient."""

    practice = forms.TypedChoiceField(
        coerce=int,
        label="Send to",
        help_text=(
            "Practices accepting referrals, nearest to the patient first. Practices that "
            "declined this referral or let it lapse are not offered."
        ),
    )

    def __init__(self, *args: Any, options: list[HandRoutingOption], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._practices = {option.practice.pk: option.practice for option in options}
        self.fields["practice"].choices = [  # type: ignore[attr-defined]
            (option.practice.pk, _option_label(option)) for option in options
        ]
        if not options:
            self.fields[
                "practice"
            ].help_text = "No practice accepting referrals is within reach of the patient's ZIP code."

    def chosen_practice(self) -> Practice:
        return self._practices[self.cleaned_data["practice"]]


def _option_label(option: HandRoutingOption) -> str:
    place = f"{option.location.city}, {option.location.state}"
    where = f"{option.practice.name}, {place}: {option.distance_mi:.1f} miles"
    if option.offers_requested_procedure is None:
        return where
    offers = "offers" if option.offers_requested_procedure else "does not list"
    return f"{where} ({offers} the requested procedure)"


# Fields that describe the booking itself: set once, when the visit is booked.
BOOKING_FIELDS = ("kind", "starts_at", "provider", "location")
# Fields that record how the visit went: only for visits already booked.
VISIT_FIELDS = ("status", "pain_score")


class AppointmentInlineForm(forms.ModelForm):
    """One visit row: a new row books a visit; an existing one records arrival, fulfilment or no-show.

    The admin saves neither directly: ``ReferralAdmin.save_formset`` hands each changed row
    to the services, which check the state and lock the slot.
    """

    starts_at = forms.DateTimeField(label="Starts at", widget=PracticeTimeInput())

    class Meta:
        model = Appointment
        fields = [*BOOKING_FIELDS, *VISIT_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name_the_zone(self.fields["starts_at"])
        # A table row has its labels in the column headings only: name each control itself.
        for field in self.fields.values():
            widget: forms.Widget = getattr(field.widget, "widget", None) or field.widget  # admin's wrapper
            widget.attrs.setdefault("aria-label", str(field.label or ""))
        if self.instance.pk is None:
            # A new row is booked; a time gone by needs how that visit went (the service says so).
            self.fields["status"].help_text = "For a visit that already happened: how it went."
            self.fields["status"].required = False
            return
        for name in BOOKING_FIELDS:
            self.fields[name].disabled = True
        if self.instance.status not in Appointment.SLOT_HOLDING_STATUSES:
            for name in VISIT_FIELDS:
                self.fields[name].disabled = True
