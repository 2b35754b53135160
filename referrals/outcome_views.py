"""The patient's own outcome page, reached by the one-time link in their e-mail: no login.

The page shows nothing about the patient or the referral: only two questions. An unknown,
used or expired link gets the same plain page (410), so a link reveals nothing about whether
it ever existed. The address is rate-limited per client (``PUBLIC_RATE_LIMITS``).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from referrals import patient_outcomes
from referrals.models import PatientReportedOutcome

Impression = PatientReportedOutcome.GlobalImpression

IMPRESSION_CHOICES = [
    (Impression.MUCH_BETTER, _("Much better")),
    (Impression.BETTER, _("Better")),
    (Impression.SAME, _("About the same")),
    (Impression.WORSE, _("Worse")),
    (Impression.MUCH_WORSE, _("Much worse")),
]


class OutcomeReportForm(forms.Form):
    pain_score = forms.TypedChoiceField(
        label=_("How bad is your back pain now?"),
        choices=[(str(score), str(score)) for score in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a number from 0 to 10."),
            "invalid_choice": _("Choose a number from 0 to 10."),
        },
    )
    global_impression = forms.ChoiceField(
        label=_("Compared with before the treatment, how is your back now?"),
        choices=IMPRESSION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you feel compared with before the treatment."),
            "invalid_choice": _("Choose how you feel compared with before the treatment."),
        },
    )


def _unusable(request: HttpRequest) -> HttpResponse:
    context = {"days": settings.OUTCOME_LINK_DAYS}
    return render(request, "referrals/outcome_link_unusable.html", context, status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def outcome_report(request: HttpRequest, token: str) -> HttpResponse:
    if patient_outcomes.usable_invite(token) is None:
        return _unusable(request)
    form = OutcomeReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            patient_outcomes.outcome_report_submit(token=token, **form.cleaned_data)
        except patient_outcomes.LinkUnusable:
            return _unusable(request)
        return render(request, "referrals/outcome_thanks.html")
    status = 400 if form.errors else 200
    return render(request, "referrals/outcome_report.html", {"form": form}, status=status)
