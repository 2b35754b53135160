"""``GET /api/v1/metrics/``: the loop metrics as JSON, through the same access rules as the pages.

Without ``practice``: the referrals the caller made. ``practice=<id>``: a practice the caller
works for (any practice for coordinators); ``practice=all``: the whole portal with every
practice side by side (coordinators only). A practice the caller may not see is a 404, the
same as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from referrals.metrics.pages import practice_rows
from referrals.metrics.queries import Scope
from referrals.metrics.report import LoopReport, loop_report, report_rows
from referrals.metrics.scopes import (
    NotYours,
    PeriodError,
    clinician_scope,
    period_from,
    practice_scope_for,
    sees_all_practices,
)

ALL = "all"


class MetricsQuerySerializer(serializers.Serializer[Any]):
    practice = serializers.CharField(required=False, max_length=20)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


class FigureSerializer(serializers.Serializer[Any]):
    section = serializers.CharField()
    measure = serializers.CharField()
    value = serializers.CharField()


class PracticeFiguresSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    offered = serializers.IntegerField()
    accepted = serializers.CharField()
    moved_on = serializers.CharField()
    completed = serializers.CharField()
    no_shows = serializers.CharField()


class LoopMetricsSerializer(serializers.Serializer[Any]):
    scope = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField()
    figures = FigureSerializer(many=True)
    practices = PracticeFiguresSerializer(many=True)


def metrics_json(report: LoopReport) -> dict[str, Any]:
    """The report as the API returns it: the same rows as the pages, rates as their text."""
    return {
        "scope": report.scope.label,
        "since": report.period.since,
        "until": report.period.until,
        "figures": [{"section": s, "measure": m, "value": v} for s, m, v in report_rows(report)],
        # Rates read as on the pages ("62% (8 of 13)"): the serializer's CharField calls str().
        "practices": practice_rows(report),
    }


def _scope(user: Any, practice: str | None) -> Scope:
    if not practice:
        return clinician_scope(user)
    if practice == ALL:
        if not sees_all_practices(user):
            raise Http404("No such practice.")
        return Scope("All practices")
    try:
        return practice_scope_for(user, practice)
    except NotYours as error:
        raise Http404("No such practice.") from error


class LoopMetricsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="metrics_retrieve",
        parameters=[
            OpenApiParameter("practice", str, description='A practice id, or "all"; empty: your referrals.'),
            OpenApiParameter("since", str, description="First day of submission, YYYY-MM-DD."),
            OpenApiParameter("until", str, description="Last day of submission, YYYY-MM-DD."),
        ],
        responses={
            200: LoopMetricsSerializer,
            404: OpenApiResponse(
                description="No such practice, or not one you may see: the two look the same."
            ),
        },
        description="Referral loop metrics (see docs/metrics.md) for your referrals or a practice.",
    )
    def get(self, request: Request) -> Response:
        query = MetricsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope = _scope(request.user, data.get("practice", "").strip())
        try:
            period = period_from(request.query_params.get("since"), request.query_params.get("until"))
        except PeriodError as error:
            raise serializers.ValidationError({error.field: [str(error)]}) from error
        report = loop_report(
            scope, period, side_by_side=scope.practice_id is None and scope.clinician_id is None
        )
        response = Response(LoopMetricsSerializer(metrics_json(report)).data)
        add_never_cache_headers(response)
        return response
