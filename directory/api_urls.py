from django.urls import URLPattern, URLResolver, path

from directory import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("providers/", apis.ProviderSearchApi.as_view(), name="api-provider-search"),
    path("providers/<str:npi>/", apis.ProviderDetailApi.as_view(), name="api-provider-detail"),
    path("procedures/", apis.ProcedureListApi.as_view(), name="api-procedure-list"),
    path("conditions/", apis.ConditionListApi.as_view(), name="api-condition-list"),
]
