"""The referring clinician's pages: refer a patient, see my referrals, follow one to its outcome.

Thin adapters over ``referrals.selectors`` and ``referrals.services``. A clinician sees only
the referrals they made; anyone else's is a 404, the same as one that does not exist. URLs
carry the referral's opaque id, never patient data, and every page showing patient data
is written to the audit log.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from referrals import selectors, services, worklist
from referrals.access import allowed_actions, may_refer
from referrals.audit import audit_record, audit_record_many
from referrals.forms import CancelForm, ReferralForm
from referrals.models import AuditLogEntry, Referral, ReferralEvent
from referrals.roles import ROUTE_BY_HAND_PERMISSION
from triage.rules import QUESTIONS, Disposition

Action = AuditLogEntry.Action
REFERRALS_PER_PAGE = 50


def my_referral(request: HttpRequest, public_id: uuid.UUID) -> Referral:
    """The signed-in clinician's own referral with this id; a 404 for anyone else's."""
    try:
        return (
            selectors.referrals_for_clinician(request.user)
            .select_related("assessment", "clinician")
            .get(public_id=public_id)
        )
    except Referral.DoesNotExist as error:
        raise Http404("No such referral.") from error


@never_cache
@login_required
@require_http_methods(["GET"])
def referral_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.referrals_for_clinician(request.user), REFERRALS_PER_PAGE)
    raw = (request.GET.get("page") or "1")[:20]
    try:
        page = paginator.page(raw)
    except InvalidPage:
        # A page that is not there is said so, never swapped for another one silently.
        if raw.isdigit() and int(raw) >= 1:
            pages = "is only 1 page" if paginator.num_pages == 1 else f"are {paginator.num_pages} pages"
            error = f"Page {raw} is past the last page of your referrals; there {pages}."
        else:
            error = f'"{raw}" is not a page number. Pages are numbered from 1.'
        return render(request, "referrals/list.html", {"page_error": error}, status=400)
    referrals = list(page)
    audit_record_many(
        actor=request.user, action=Action.READ, objs=referrals, request=request, detail="my referrals"
    )
    return render(request, "referrals/list.html", {"referrals": referrals, "page": page})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    if not may_refer(request.user):
        raise PermissionDenied("Only referring clinicians submit referrals; IR office staff receive them.")
    form = ReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            # The audit entry commits with the referral, or neither does.
            with transaction.atomic():
                submission = services.referral_submit(clinician=request.user, **form.submission())
                action = Action.CREATE if submission.created else Action.READ
                audit_record(actor=request.user, action=action, obj=submission.referral, request=request)
        except services.InvalidInput as error:
            form.add_service_errors(error.errors)
        except services.IdempotencyConflict:
            form.add_error(
                None, "This form was already sent with other answers. Reload the page to refer again."
            )
        else:
            return redirect("referrals:detail", public_id=submission.referral.public_id)
    return render(request, "referrals/new.html", {"form": form}, status=400 if form.errors else 200)


def _disposition_label(disposition: str) -> str:
    try:
        return Disposition(disposition).label
    except ValueError:
        return disposition


def _reasons(referral: Referral) -> list[dict[str, str]]:
    """The red flags behind the disposition, each with the question that was answered yes."""
    return [
        {
            "question": QUESTIONS[r["flag"]].text if r["flag"] in QUESTIONS else r["flag"],
            "explanation": r["explanation"],
        }
        for r in referral.assessment.reasons or []
    ]


def _unroutable_explanation(referral: Referral) -> str:
    """What the last search found, for a referral that is unroutable now (else empty)."""
    if referral.status != Referral.Status.UNROUTABLE:
        return ""
    events = [event for event in referral.events.all() if event.kind == ReferralEvent.Kind.UNROUTABLE]
    return events[-1].comment if events else ""


@never_cache
@login_required
@require_http_methods(["GET"])
def referral_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = selectors.referral_with_details(my_referral(request, public_id))
    audit_record(
        actor=request.user, action=Action.READ, obj=referral, request=request, detail="referral page"
    )
    context: dict[str, Any] = {
        "referral": referral,
        "patient": referral.patient,
        "age": referral.patient.age_on(referral.created_at.date()),
        "urgency": _disposition_label(referral.disposition),
        "is_emergency": referral.status == Referral.Status.EMERGENCY_REDIRECT,
        "reasons": _reasons(referral),
        "advice": referral.assessment.advice or [],
        "shortlist": selectors.referral_latest_shortlist(referral),
        "unroutable_explanation": _unroutable_explanation(referral),
        "coordinator_contact": settings.REFERRAL_COORDINATOR_CONTACT,
        "actions": allowed_actions(referral, request.user),
        "cancel_form": CancelForm(),
    }
    return render(request, "referrals/detail.html", context)


@never_cache
@login_required
@require_POST
def referral_cancel(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    referral = my_referral(request, public_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why you are cancelling; the practice sees it.")
        return redirect("referrals:detail", public_id=referral.public_id)
    try:
        with transaction.atomic():
            services.referral_cancel(referral=referral, user=request.user, reason=form.cleaned_data["reason"])
            audit_record(
                actor=request.user, action=Action.UPDATE, obj=referral, request=request, detail="cancel"
            )
    except services.ReferralError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The referral is cancelled; the practice has been told.")
    return redirect("referrals:detail", public_id=referral.public_id)


@never_cache
@login_required
@permission_required(ROUTE_BY_HAND_PERMISSION, raise_exception=True)
@require_http_methods(["GET"])
def coordinator_worklist(request: HttpRequest) -> HttpResponse:
    """The referral coordinators' worklist; no patient names, only references."""
    context = {
        "items": worklist.coordinator_worklist(),
        "practices": worklist.practices_to_look_at(),
        "failed_notifications": worklist.failed_notifications_last_day(),
    }
    return render(request, "referrals/worklist.html", context)
