"""The clinician's referral pages, under /referrals/: ids in URLs are opaque, never patient data."""

from django.urls import URLPattern, URLResolver, path

from referrals import metrics_views, token_views, views

app_name = "referrals"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("metrics/", metrics_views.my_metrics, name="metrics"),
    path("worklist/", views.coordinator_worklist, name="worklist"),
    path("api-token/", token_views.api_token, name="api_token"),
    path("api-token/new/", token_views.api_token_new, name="api_token_new"),
    path("api-token/revoke/", token_views.api_token_delete, name="api_token_revoke"),
    path("<uuid:public_id>/", views.referral_detail, name="detail"),
    path("<uuid:public_id>/cancel/", views.referral_cancel, name="cancel"),
]
