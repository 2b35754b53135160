"""The public red-flag check API: anonymous, JSON only, nothing identifying stored."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.parsers import JSONParser
from triage.models import Assessment
from triage.rules import ANSWER_KEYS
from triage.serializers import AssessmentRequestSerializer, AssessmentResultSerializer
from triage.services import assessment_create


class AssessmentCreateApi(APIView):
    # Anonymous by design; without authentication there is no session whose CSRF token to check.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (JSONParser,)

    @extend_schema(
        operation_id="triage_assessment_create",
        summary="Check low back pain red flags",
        description=(
            "Runs the red-flag rules over a full set of answers and stores the result anonymously. "
            "Every answer is required and must be a JSON boolean: a missing answer is never read as no."
        ),
        tags=["triage"],
        auth=[],
        request=AssessmentRequestSerializer,
        responses={
            201: AssessmentResultSerializer,
            400: OpenApiResponse(description="Bad input; the body names each field and why."),
            415: OpenApiResponse(description="The body was not application/json."),
        },
        examples=[
            OpenApiExample(
                "Leg numbness, age 54",
                request_only=True,
                value={
                    "age": 54,
                    "pain_duration_weeks": 3,
                    "answers": {key: key == "leg_numbness_tingling" for key in ANSWER_KEYS},
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = AssessmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = assessment_create(**serializer.validated_data, source=Assessment.Source.SELF_CHECK)
        return Response(AssessmentResultSerializer(assessment).data, status=status.HTTP_201_CREATED)

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, UnsupportedMediaType):
            exc = UnsupportedMediaType(
                self.request.content_type,
                detail="Send the assessment as JSON, with the header Content-Type: application/json.",
            )
        return super().handle_exception(exc)
