"""``/fhir/`` routes: one search and one read route per resource type the directory serves, and
the referral exchange's reads and searches (OAuth clients only).

The CapabilityStatement is read from these routes (``fhir.capability``).
"""

from django.urls import URLPattern, path

from fhir import performer_views, referral_views, submit_views, views
from fhir.referral_registry import EXCHANGE_TYPES, READ_ONLY
from fhir.registry import RESOURCE_TYPES

app_name = "fhir"

urlpatterns: list[URLPattern] = [
    path("", submit_views.transaction_submit, name="transaction"),
    path("metadata", views.metadata, name="metadata"),
]
for _name in RESOURCE_TYPES:
    urlpatterns += [
        path(_name, views.search, {"resource_type": _name}, name=f"search-{_name}"),
        path(f"{_name}/<str:resource_id>", views.read, {"resource_type": _name}, name=f"read-{_name}"),
    ]
# What a practice's system also writes, on the same URLs (fhir.performer_views).
_TYPE_VIEWS = {"Appointment": performer_views.appointment_type}
_INSTANCE_VIEWS = {"Task": performer_views.task_instance, "Appointment": performer_views.appointment_instance}
for _name in EXCHANGE_TYPES:
    if _name not in READ_ONLY:
        _view = _TYPE_VIEWS.get(_name, referral_views.search)
        urlpatterns.append(path(_name, _view, {"resource_type": _name}, name=f"search-{_name}"))
    urlpatterns.append(
        path(
            f"{_name}/<str:resource_id>",
            _INSTANCE_VIEWS.get(_name, referral_views.read),
            {"resource_type": _name},
            name=f"read-{_name}",
        )
    )
urlpatterns += [
    path("<str:resource_type>", views.unknown_type),
    path("<str:resource_type>/<str:resource_id>", views.unknown_type),
    path("<path:resource_type>", views.unknown_type),  # anything else under /fhir/, a trailing slash too
]
