from django.urls import URLPattern, URLResolver, path

from referrals import apis
from referrals.metrics_api import LoopMetricsApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("metrics/", LoopMetricsApi.as_view(), name="api-loop-metrics"),
    path("referrals/", apis.ReferralListCreateApi.as_view(), name="api-referral-list"),
    path("referrals/<uuid:public_id>/", apis.ReferralDetailApi.as_view(), name="api-referral-detail"),
    path(
        "referrals/<uuid:public_id>/actions/",
        apis.ReferralActionsApi.as_view(),
        name="api-referral-actions",
    ),
    path(
        "referrals/<uuid:public_id>/actions/<slug:action>/",
        apis.ReferralActionApi.as_view(),
        name="api-referral-action",
    ),
]
