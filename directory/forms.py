"""HTML forms of the public directory pages (validation of a search lives in the serializer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory.models import Language, ListingReport, PracticeLocation, Provider
from directory.selectors import condition_list, procedure_list
from directory.serializers import DEFAULT_RADIUS, MAX_RADIUS, ProviderSearchSerializer

# Blank "procedure", "condition" and "language" mean "any" to the serializer already.
BLANK_MEANS_ANY = ("procedure", "condition", "language")
# The query parameters of /find/; any of them present means the form was submitted.
SEARCH_FIELDS = ("near", "radius", "units", "procedure", "condition", "accepting", "language", "page")


class ProviderSearchForm(forms.Form):
    """The /find/ form. Validation is delegated to ``ProviderSearchSerializer``, so the page and
    the API accept and refuse exactly the same searches, with the same messages.

    Once valid, ``search`` holds the validated serializer.
    """

    near = forms.CharField(
        label=_("Near"),
        max_length=200,
        help_text=_('A 5-digit ZIP code, or a city and state such as "Denver, CO".'),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "spellcheck": "false"}),
    )
    radius = forms.FloatField(
        label=_("Within"),
        initial=DEFAULT_RADIUS,
        # The help text names MAX_RADIUS; it is set per form, in the page's language.
        widget=forms.NumberInput(attrs={"min": "0.1", "max": str(MAX_RADIUS), "step": "any"}),
    )
    units = forms.ChoiceField(
        label=_("Units"), choices=[("mi", _("miles")), ("km", _("kilometres"))], initial="mi"
    )
    procedure = forms.ChoiceField(label=_("Procedure"), required=False)
    condition = forms.ChoiceField(label=_("Condition"), required=False)
    language = forms.ChoiceField(label=_("Language spoken"), required=False)
    accepting = forms.BooleanField(
        label=_("Only doctors accepting new patients"),
        required=False,
        widget=forms.CheckboxInput(attrs={"value": "true"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["radius"].help_text = gettext("More than 0, at most %(max)s.") % {"max": MAX_RADIUS}
        any_choice = [("", gettext("Any"))]
        choices = {
            "procedure": [(entry.slug, gettext(entry.name)) for entry in procedure_list()],
            "condition": [(entry.slug, gettext(entry.name)) for entry in condition_list()],
            "language": sorted(
                ((code, gettext(name)) for code, name in Language.objects.values_list("code", "name")),
                key=lambda choice: choice[1],
            ),
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = any_choice + options

    search: ProviderSearchSerializer
    # "City, ST" of each state that has the city typed alone, when there are several.
    place_choices: tuple[str, ...] = ()

    def search_params(self) -> dict[str, str]:
        """The submitted query, with blank optional fields left out so they take their defaults."""
        assert self.is_bound
        params = {name: self.data.get(name, "").strip() for name in SEARCH_FIELDS if name in self.data}
        return {name: value for name, value in params.items() if value or name in ("near", *BLANK_MEANS_ANY)}

    def full_clean(self) -> None:
        self._errors = ErrorDict()
        self.cleaned_data = {}
        if not self.is_bound:
            return
        serializer = ProviderSearchSerializer(data=self.search_params())
        if serializer.is_valid():
            self.search = serializer
            self.cleaned_data = dict(serializer.validated_data)
            self._show_defaults_used()
            return
        errors = dict(serializer.errors)
        if serializer.ambiguous_place is not None:
            # The page lists the choices as links below the question, not in the error too.
            self.place_choices = tuple(serializer.ambiguous_place.choices)
            errors["near"] = [serializer.ambiguous_place.question]
        for field, messages in errors.items():
            for message in messages:
                if field in self.fields:
                    self.add_error(field, str(message))
                else:
                    self.add_error(None, f"{field.capitalize()}: {message}")

    def _show_defaults_used(self) -> None:
        """Fill the boxes a search left blank with what it used, so the form shows the real search."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        used = self.search.validated_data
        if not str(data.get("radius") or "").strip():
            data["radius"] = f"{used['radius']:g}"
        if not data.get("units"):
            data["units"] = used["units"]
        self.data = data

    def page_number(self) -> int:
        """The asked results page (1 when none was asked); only meaningful once valid."""
        return int(self.cleaned_data.get("page") or 1)


class ListingReportForm(forms.Form):
    """ "Report a wrong listing" on a provider profile."""

    problem = forms.ChoiceField(
        label=_("What is wrong?"),
        choices=ListingReport.Problem.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong with this listing.")},
    )
    location = forms.ModelChoiceField(
        label=_("Which address? (optional)"),
        queryset=PracticeLocation.objects.none(),
        required=False,
        empty_label=_("All of them / not sure"),
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=2000,
        help_text=_("For example the right phone number. Please do not include health information."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = provider.locations.all()
