"""The patient self-check pages: the questionnaire and its result."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.language import remember_language
from triage.forms import SelfCheckForm
from triage.models import Assessment
from triage.selectors import assessment_answer_rows, assessment_reason_rows, self_check_get
from triage.services import assessment_create


# Answers are health information: keep them out of shared and browser caches.
@never_cache
@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and "switch_language" in request.POST:
        return _questions_in_switched_language(request)
    form = SelfCheckForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        assessment = assessment_create(**form.assessment_input(), source=Assessment.Source.SELF_CHECK)
        return redirect("triage:result", public_id=assessment.public_id)
    return render(request, "triage/check.html", {"form": form})


def _questions_in_switched_language(request: HttpRequest) -> HttpResponse:
    """The questions again in the language just chosen, with the answers given so far.

    Nothing is judged or stored: the person has not asked for a result yet.
    """
    given = {name: request.POST[name] for name in SelfCheckForm.answer_names() if request.POST.get(name)}
    response = render(request, "triage/check.html", {"form": SelfCheckForm(initial=given)})
    remember_language(response, get_language())
    return response


@never_cache
@require_http_methods(["GET"])
def self_check_result(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = self_check_get(public_id=public_id)
    return render(
        request,
        "triage/result.html",
        {
            "assessment": assessment,
            # Advice is stored in English, as the rules gave it; shown in the page's language.
            "first_line": gettext(assessment.advice[0]) if assessment.advice else "",
            "more_advice": [gettext(line) for line in assessment.advice[1:]],
            "reason_rows": assessment_reason_rows(assessment),
            "answer_rows": assessment_answer_rows(assessment),
        },
    )
