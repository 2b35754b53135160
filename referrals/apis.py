"""Referral API for clinicians and practice staff: thin adapters over selectors and services.

Every response carries ``Cache-Control: no-store`` (patient data must not sit in caches),
every read or change of a referral is audited, and a referral the user may not see is a
404 indistinguishable from one that does not exist.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from directory.apis import DirectoryPagination
from referrals import selectors, services
from referrals.access import allowed_actions
from referrals.audit import audit_record, audit_record_many
from referrals.models import Appointment, AuditLogEntry, Referral
from referrals.serializers import (
    AllowedActionsSerializer,
    CancelSerializer,
    CompleteSerializer,
    DeclineSerializer,
    EmptyActionSerializer,
    RecordVisitSerializer,
    ReferralCreateSerializer,
    ReferralDetailSerializer,
    ReferralListItemSerializer,
    ReferralSubmittedSerializer,
    RouteByHandSerializer,
    ScheduleSerializer,
)
from referrals.workflow import Action

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY_LENGTH = 255

BAD_INPUT = OpenApiResponse(description='Bad input: `{"<field>": ["<what to fix>"]}`.')
NOT_FOUND = OpenApiResponse(description="No such referral, or not one of yours: the two look the same.")
CONFLICT = OpenApiResponse(
    description="The referral's current state does not allow this (or the slot is taken)."
)
REFERRAL_ID = OpenApiParameter(
    "public_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Referral id."
)

_ERROR_STATUS: list[tuple[type[Exception], int]] = [
    (services.PermissionDenied, status.HTTP_404_NOT_FOUND),
    (Referral.DoesNotExist, status.HTTP_404_NOT_FOUND),
    (services.ActionForbidden, status.HTTP_403_FORBIDDEN),
    (services.InvalidTransition, status.HTTP_409_CONFLICT),
    (services.IdempotencyConflict, status.HTTP_422_UNPROCESSABLE_ENTITY),
]


def request_fingerprint(body: Any) -> str:
    """A digest of the parsed JSON body that ignores key order and whitespace."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(request: Request) -> str:
    """The request's Idempotency-Key header; a 400 naming the header when it is missing or too long."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        raise serializers.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    "Send an Idempotency-Key header (e.g. a UUID) so a retry cannot refer twice."
                ]
            }
        )
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
        raise serializers.ValidationError(
            {IDEMPOTENCY_HEADER: [f"Keep the key to {MAX_IDEMPOTENCY_KEY_LENGTH} characters or fewer."]}
        )
    return key


class ReferralApi(APIView):
    """Shared by the referral endpoints: sign-in required, no caching, service errors as HTTP."""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.InvalidInput):
            return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
        for error_class, code in _ERROR_STATUS:
            if isinstance(exc, error_class):
                detail = "Not found." if code == status.HTTP_404_NOT_FOUND else str(exc)
                return Response({"detail": detail}, status=code)
        return super().handle_exception(exc)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    def referral(self, request: Request, public_id: Any) -> Referral:
        try:
            return selectors.referral_get_for_user(user=request.user, public_id=public_id)
        except Referral.DoesNotExist as error:
            raise Http404 from error


class ReferralListCreateApi(ReferralApi):
    pagination_class = DirectoryPagination

    @extend_schema(
        operation_id="referrals_list",
        parameters=[OpenApiParameter("page", int, description="Page number, from 1.")],
        responses={200: ReferralListItemSerializer(many=True)},
        description="Referrals you made, plus those now with your practice if you are office staff.",
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.referrals_visible_to(request.user), request, view=self)
        audit_record_many(actor=request.user, action=AuditLogEntry.Action.READ, objs=page, request=request)
        return paginator.get_paginated_response(ReferralListItemSerializer(page, many=True).data)

    @extend_schema(
        operation_id="referrals_create",
        request=ReferralCreateSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unique per submission. A retry with the same key and body returns the first "
                "result and creates nothing; the same key with a different body is a 422.",
            )
        ],
        responses={
            201: ReferralSubmittedSerializer,
            400: BAD_INPUT,
            422: OpenApiResponse(description="Idempotency-Key already used for a different body."),
        },
        description="Screen red flags, store the referral and route it to the nearest fitting IR practice.",
    )
    def post(self, request: Request) -> Response:
        key = idempotency_key(request)
        incoming = ReferralCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        # The audit entry commits with the referral, or neither does.
        with transaction.atomic():
            submission = services.referral_submit(
                clinician=request.user,
                patient_data=data["patient"],
                triage_data=data["triage"],
                requested_procedure=data.get("requested_procedure"),
                suspected_condition=data.get("suspected_condition"),
                clinical_question=data["clinical_question"],
                pain_score=data.get("pain_score"),
                imaging_summary=data.get("imaging_summary", ""),
                idempotency_key=key,
                fingerprint=request_fingerprint(request.data),
            )
            referral = submission.referral
            action = AuditLogEntry.Action.CREATE if submission.created else AuditLogEntry.Action.READ
            audit_record(actor=request.user, action=action, obj=referral, request=request)
            # The answer is read before the commit: once the referral is committed, no query
            # is left that could fail and answer 500 for work that was done.
            answer = ReferralSubmittedSerializer(referral).data
        response = Response(answer, status=status.HTTP_201_CREATED)
        if not submission.created:
            response["Idempotent-Replayed"] = "true"
        return response


class ReferralDetailApi(ReferralApi):
    @extend_schema(
        operation_id="referrals_retrieve",
        parameters=[REFERRAL_ID],
        responses={200: ReferralDetailSerializer, 404: NOT_FOUND},
        description="One referral with its full timeline, appointments, follow-ups and outcome.",
    )
    def get(self, request: Request, public_id: Any) -> Response:
        referral = self.referral(request, public_id)
        audit_record(actor=request.user, action=AuditLogEntry.Action.READ, obj=referral, request=request)
        return Response(
            ReferralDetailSerializer(
                selectors.referral_with_details(referral), context={"user": request.user}
            ).data
        )


class ReferralActionsApi(ReferralApi):
    @extend_schema(
        operation_id="referrals_actions_list",
        parameters=[REFERRAL_ID],
        responses={200: AllowedActionsSerializer, 404: NOT_FOUND},
        description="What you may do to this referral now (decided by the same rules the actions use).",
    )
    def get(self, request: Request, public_id: Any) -> Response:
        referral = self.referral(request, public_id)
        return Response({"actions": allowed_actions(referral, request.user)})


def _appointment(referral: Referral, appointment_id: int) -> Appointment:
    try:
        return referral.appointments.get(pk=appointment_id)
    except Appointment.DoesNotExist as error:
        raise services.InvalidInput({"appointment": ["No such appointment on this referral."]}) from error


@dataclass(frozen=True)
class ActionEndpoint:
    serializer: type[serializers.Serializer]
    run: Callable[[Referral, Any, dict[str, Any]], Any]


ACTIONS: dict[str, ActionEndpoint] = {
    Action.ACCEPT: ActionEndpoint(
        EmptyActionSerializer, lambda r, user, d: services.referral_accept(referral=r, user=user)
    ),
    Action.DECLINE: ActionEndpoint(
        DeclineSerializer, lambda r, user, d: services.referral_decline(referral=r, user=user, **d)
    ),
    Action.SCHEDULE: ActionEndpoint(
        ScheduleSerializer, lambda r, user, d: services.appointment_schedule(referral=r, user=user, **d)
    ),
    Action.RECORD_VISIT: ActionEndpoint(
        RecordVisitSerializer,
        lambda r, user, d: services.appointment_record_visit(
            appointment=_appointment(r, d["appointment"]),
            user=user,
            status=d["status"],
            pain_score=d.get("pain_score"),
        ),
    ),
    Action.COMPLETE: ActionEndpoint(
        CompleteSerializer, lambda r, user, d: services.referral_complete(referral=r, user=user, **d)
    ),
    Action.CANCEL: ActionEndpoint(
        CancelSerializer, lambda r, user, d: services.referral_cancel(referral=r, user=user, **d)
    ),
    Action.ROUTE_BY_HAND: ActionEndpoint(
        RouteByHandSerializer, lambda r, user, d: services.referral_route_by_hand(referral=r, user=user, **d)
    ),
}


class ReferralActionApi(ReferralApi):
    @extend_schema(
        operation_id="referrals_actions_create",
        parameters=[
            REFERRAL_ID,
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=list(ACTIONS)),
        ],
        request=OpenApiTypes.OBJECT,
        responses={
            200: ReferralDetailSerializer,
            400: BAD_INPUT,
            403: OpenApiResponse(),
            404: NOT_FOUND,
            409: CONFLICT,
        },
        description=(
            "Take an action: accept {}, decline {reason, comment}, schedule {kind, starts_at, provider?, "
            "location?}, record_visit {appointment, status, pain_score?}, complete {outcome_summary}, "
            "cancel {reason}, route_by_hand {practice}. Answers with the referral as it now stands."
        ),
    )
    def post(self, request: Request, public_id: Any, action: str) -> Response:
        referral = self.referral(request, public_id)
        endpoint = ACTIONS.get(action)
        if endpoint is None:
            raise serializers.ValidationError(
                {"action": [f"Unknown action '{action[:40]}'. Choose one of {', '.join(ACTIONS)}."]}
            )
        incoming = endpoint.serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():  # the change and its audit entry commit together
            endpoint.run(referral, request.user, dict(incoming.validated_data))
            audit_record(
                actor=request.user,
                action=AuditLogEntry.Action.UPDATE,
                obj=referral,
                request=request,
                detail=action,
            )
        if not selectors.referrals_visible_to(request.user).filter(pk=referral.pk).exists():
            # Declined or timed out: it now belongs to another practice, which is not this user's business.
            return Response(
                {"id": str(referral.public_id), "detail": "Done. The referral has left your practice."}
            )
        return Response(
            ReferralDetailSerializer(
                selectors.referral_with_details(referral), context={"user": request.user}
            ).data
        )
