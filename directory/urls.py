from django.urls import URLPattern, URLResolver, path, re_path

from directory import views

app_name = "directory"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("find/", views.find, name="find"),
    re_path(r"^find/(?P<npi>\d{10})/$", views.provider_profile, name="provider"),
]
