"""Public directory API: search providers near a place, one provider, the catalog."""

from __future__ import annotations

import math
from typing import Any

from django.core.paginator import InvalidPage
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from directory import selectors
from directory.geo import Origin
from directory.serializers import (
    CatalogEntrySerializer,
    ProviderDetailSerializer,
    ProviderResultSerializer,
    ProviderSearchPageSerializer,
    ProviderSearchSerializer,
)

PAGE_DESCRIPTION = "Page number, from 1. A malformed page or one past the last page is a 400 on `page`."
BAD_INPUT = OpenApiResponse(
    description='Bad input: `{"<field>": ["<a sentence saying what to fix>"]}`.',
)


class DirectoryPagination(PageNumberPagination):
    """Page-number pagination where a bad page is the client's mistake: a 400 on ``page``.

    DRF answers 404 for a page past the end; a person who typed ``page=9`` is better
    told, under the field's name, how many pages there are.
    """

    page_size = 20

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> list[Any]:
        paginator = self.django_paginator_class(queryset, self.page_size)
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            self.page = paginator.page(raw)
        except InvalidPage:
            raise ValidationError({"page": [page_error(raw, paginator.num_pages)]}) from None
        self.request = request
        return list(self.page)


def page_error(raw: str, num_pages: int) -> str:
    """The sentence telling a person why ``raw`` is not a page they can have."""
    text = raw[:20]
    if not text.isdigit() or int(text) < 1:
        return f'"{text}" is not a page number. Pages are numbered from 1.'
    return f"Page {text} is past the last page; there {'is' if num_pages == 1 else 'are'} {num_pages}."


class ProviderSearchApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="providers_search",
        summary="Find providers near a place",
        description=(
            "Listed interventional radiologists with a location within `radius` of `near`, each once "
            "at their nearest location, nearest first (ties by name). `distance` is the great-circle "
            "distance in `units`. Bad input, including a page past the last one, is a 400 naming "
            "the field."
        ),
        parameters=[ProviderSearchSerializer],
        responses={200: ProviderSearchPageSerializer, 400: BAD_INPUT},
    )
    def get(self, request: Request) -> Response:
        query = ProviderSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("page", 1)
        size = DirectoryPagination.page_size
        page, count = selectors.providers_near(**query.providers_near_kwargs()).page(number, size)
        last_page = max(1, math.ceil(count / size))
        if number > last_page:
            raise ValidationError({"page": [page_error(str(number), last_page)]})
        url = request.build_absolute_uri()
        units = query.validated_data["units"]
        return Response(
            {
                "count": count,
                "next": replace_query_param(url, "page", number + 1) if number < last_page else None,
                "previous": _previous_page_link(url, number),
                "units": units,
                "origin": _origin(query.validated_data["near"]),
                "results": ProviderResultSerializer(page, many=True, context={"units": units}).data,
            }
        )


def _origin(origin: Origin) -> dict[str, Any]:
    # The fields of OriginSerializer (the schema's shape), without building a serializer per search.
    return {"lat": origin.lat, "lng": origin.lng, "label": origin.label}


def _previous_page_link(url: str, number: int) -> str | None:
    if number <= 1:
        return None
    # Page 1 is the search without a page, as DRF's own pagination links it.
    return remove_query_param(url, "page") if number == 2 else replace_query_param(url, "page", number - 1)


class ProviderDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="providers_retrieve",
        summary="One provider, with every location",
        description="404 when no listed provider has this NPI (for example after leaving the directory).",
        responses={200: ProviderDetailSerializer},
    )
    def get(self, request: Request, npi: str) -> Response:
        return Response(ProviderDetailSerializer(selectors.provider_by_npi(npi)).data)


class _CatalogListApi(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = CatalogEntrySerializer
    pagination_class = DirectoryPagination


@extend_schema(parameters=[OpenApiParameter("page", int, description=PAGE_DESCRIPTION)])
class ProcedureListApi(_CatalogListApi):
    """The procedures patients can search by; slugs are stable."""

    def get_queryset(self) -> Any:
        return selectors.procedure_list()


@extend_schema(parameters=[OpenApiParameter("page", int, description=PAGE_DESCRIPTION)])
class ConditionListApi(_CatalogListApi):
    """The conditions patients can search by; slugs are stable."""

    def get_queryset(self) -> Any:
        return selectors.condition_list()
