from django.urls import URLPattern, URLResolver, path

from triage.apis import AssessmentCreateApi

urlpatterns: list[URLPattern | URLResolver] = [
    path("triage/assessments/", AssessmentCreateApi.as_view(), name="triage-assessment-create"),
]
