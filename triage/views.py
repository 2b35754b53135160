"""The patient self-check pages: the questionnaire and its result."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from triage.forms import SelfCheckForm
from triage.models import Assessment
from triage.selectors import assessment_answer_rows, assessment_reason_rows, self_check_get
from triage.services import assessment_create


# Answers are health information: keep them out of shared and browser caches.
@never_cache
@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    form = SelfCheckForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        assessment = assessment_create(**form.assessment_input(), source=Assessment.Source.SELF_CHECK)
        return redirect("triage:result", public_id=assessment.public_id)
    return render(request, "triage/check.html", {"form": form})


@never_cache
@require_http_methods(["GET"])
def self_check_result(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    assessment = self_check_get(public_id=public_id)
    return render(
        request,
        "triage/result.html",
        {
            "assessment": assessment,
            "first_line": assessment.advice[0] if assessment.advice else "",
            "more_advice": assessment.advice[1:],
            "reason_rows": assessment_reason_rows(assessment),
            "answer_rows": assessment_answer_rows(assessment),
        },
    )
