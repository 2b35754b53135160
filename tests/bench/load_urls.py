"""The product's URLs plus /bench/trivial/: the framework's floor on the same server."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import urls as portal_urls


class TrivialApi(APIView):
    """A DRF view that reads nothing: what one request costs before any work is done."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/trivial/", TrivialApi.as_view()),
    # The product's own list, not include(): its patient pages use i18n_patterns, which only
    # a root URLconf may hold.
    *portal_urls.urlpatterns,
]
