from csp.decorators import csp_update
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider.views import TokenView

from portal.health import health
from referrals.outcome_views import outcome_report

# The split view serves Swagger UI's start-up code as a file, so the Content Security Policy
# can forbid inline scripts; only its small inline stylesheet needs an exception, on this page.
api_docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

api_v1: list[URLPattern | URLResolver] = [
    path("", include("directory.api_urls")),
    path("", include("triage.api_urls")),
    path("", include("referrals.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="api-docs"),
]

# Patient pages: English without a prefix (/find/), Spanish under /es/ (/es/find/).
patient_pages = i18n_patterns(
    path("", include("directory.urls")),
    path("check/", include("triage.urls")),
    # The patient's one-time outcome link: an opaque token, never patient data.
    path("outcome/<str:token>/", outcome_report, name="outcome-report"),
    prefix_default_language=False,
)

urlpatterns = [
    *patient_pages,
    path("i18n/", include("django.conf.urls.i18n")),
    path("referrals/", include("referrals.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include(api_v1)),
    # OAuth 2.0 client credentials for the FHIR referral exchange (docs/fhir-referrals.md).
    path("o/token/", TokenView.as_view(), name="oauth2-token"),
    path("fhir/", include("fhir.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"
