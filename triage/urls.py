from django.urls import URLPattern, URLResolver, path

from triage import views

app_name = "triage"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.self_check, name="check"),
    path("result/<uuid:public_id>/", views.self_check_result, name="result"),
]
