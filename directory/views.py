"""Public pages: the home page, the finder (/find/) and provider profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from directory.forms import SEARCH_FIELDS, ListingReportForm, ProviderSearchForm
from directory.geo import Origin, names_coordinates
from directory.models import PracticeLocation, Provider
from directory.selectors import condition_list, procedure_list, provider_by_npi, providers_near
from directory.serializers import UNITS_IN_KM
from directory.services import ListingReportError, listing_report_create

RESULTS_PER_PAGE = 20


@dataclass(frozen=True)
class SearchResult:
    """One line of the results list: a provider at their nearest location, distance in asked units."""

    provider: Provider
    location: PracticeLocation
    distance: float
    profile_url: str

    @property
    def zip_centre_only(self) -> bool:
        """True when the office is placed at its ZIP code's centre, not at its street address."""
        return self.location.geocode_source == PracticeLocation.GeocodeSource.ZIP_CENTROID

    @property
    def whole_distance(self) -> int:
        return round(self.distance)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {"procedures": procedure_list(), "conditions": condition_list()},
    )


@require_GET
def find(request: HttpRequest) -> HttpResponse:
    """The search form, and once submitted the results; bad input re-renders with a 400."""
    form = ProviderSearchForm(request.GET if _is_search(request) else None)
    if not form.is_bound:
        return render(request, "directory/find.html", _find_context(form))
    if not form.is_valid():
        context = _find_context(form) | {"place_choices": _place_choice_links(request, form.place_choices)}
        return render(request, "directory/find.html", context, status=400)

    units = form.search.validated_data["units"]
    paginator = Paginator(providers_near(**form.search.providers_near_kwargs()), RESULTS_PER_PAGE)
    try:
        page = paginator.page(form.page_number())
    except EmptyPage:
        pages = "is only 1 page" if paginator.num_pages == 1 else f"are only {paginator.num_pages} pages"
        form.add_error(None, f"Page: there {pages} of results for this search.")
        return render(request, "directory/find.html", _find_context(form), status=400)

    search = search_query(request)
    results = [
        SearchResult(
            provider=p,
            location=p.nearest_location,
            distance=p.distance_km / UNITS_IN_KM[units],
            profile_url=reverse("directory:provider", args=[p.npi]) + search,
        )
        for p in page.object_list
    ]
    context = _find_context(form) | {
        "searched": True,
        "origin": form.search.validated_data["near"],
        "near_you": names_coordinates(form.search_params()["near"]),
        "units": units,
        "page": page,
        "results": results,
        "page_links": _page_links(request, page),
        "map_points": _map_spots(results),
        "map_config": _map_config(form.search.validated_data["near"]),
    }
    return render(request, "directory/find.html", context)


def _is_search(request: HttpRequest) -> bool:
    return any(name in request.GET for name in SEARCH_FIELDS)


def search_query(request: HttpRequest) -> str:
    """The finder's search as a query string ("?near=...", or "" for none), to carry between pages.

    Only the finder's own parameters travel: a profile link never copies anything else.
    """
    query = request.GET.copy()
    for name in list(query):
        if name not in SEARCH_FIELDS:
            del query[name]
    return "?" + query.urlencode() if query else ""


def _find_context(form: ProviderSearchForm) -> dict[str, Any]:
    return {
        "form": form,
        # Words the finder's scripts show, in the page's language.
        "finder_messages": {
            "locating": gettext("Finding your location…"),
            "located": gettext("Location found. Searching near you…"),
            "notLocated": gettext(
                "We could not get your location. Type a ZIP code or a city and state instead."
            ),
            "mapFailed": gettext("The map could not load. The list shows every result."),
            "searchingFrom": gettext("Searching from %(place)s"),
            "doctorsHere": gettext("%(count)s doctors at this spot"),
        },
    }


def _place_choice_links(request: HttpRequest, choices: tuple[str, ...]) -> list[dict[str, str]]:
    """The same search from each place the typed city could mean, first page."""
    links = []
    for label in choices:
        query = request.GET.copy()
        query["near"] = label
        query.pop("page", None)
        links.append({"label": label, "url": "?" + query.urlencode()})
    return links


def _map_config(origin: Origin) -> dict[str, Any]:
    # Marker images are named explicitly: Leaflet's own guess from its CSS breaks once
    # collectstatic gives the files hashed names.
    return {
        "tileUrl": settings.MAP_TILE_URL,
        "origin": {"lat": origin.lat, "lng": origin.lng, "label": origin.label},
        "icons": {
            "iconUrl": static("vendor/leaflet/images/marker-icon.png"),
            "iconRetinaUrl": static("vendor/leaflet/images/marker-icon-2x.png"),
            "shadowUrl": static("vendor/leaflet/images/marker-shadow.png"),
        },
    }


def _page_links(request: HttpRequest, page: Page[Any]) -> dict[str, str]:
    """URLs of the previous and next results pages, keeping every other search parameter."""
    links = {}
    query = request.GET.copy()
    if page.has_previous():
        query["page"] = str(page.previous_page_number())
        links["previous"] = "?" + query.urlencode()
    if page.has_next():
        query["page"] = str(page.next_page_number())
        links["next"] = "?" + query.urlencode()
    return links


def _map_spots(results: list[SearchResult]) -> list[dict[str, Any]]:
    """What the map script needs: one entry per spot, with every result placed there.

    Offices known only by their ZIP code share its centre; the map shows them as one marker
    with the count and the names. The results list above the map holds the same facts as text.
    """
    spots: dict[tuple[float, float], dict[str, Any]] = {}
    for rank, result in enumerate(results, start=1):
        location = result.location
        if location.latitude is None or location.longitude is None:
            continue
        spot = spots.setdefault(
            (location.latitude, location.longitude),
            {"lat": location.latitude, "lng": location.longitude, "doctors": []},
        )
        spot["doctors"].append(
            {
                "rank": rank,
                "name": result.provider.display_name,
                "url": result.profile_url,
                "address": f"{location.address_line1}, {location.city}, {location.state}",
            }
        )
    return list(spots.values())


@require_http_methods(["GET", "POST"])
def provider_profile(request: HttpRequest, npi: str) -> HttpResponse:
    """A listed provider's profile with the "report a wrong listing" form (POST, redirect, GET)."""
    provider = provider_by_npi(npi)
    form = ListingReportForm(request.POST or None, provider=provider)
    if request.method == "POST":
        if form.is_valid():
            try:
                listing_report_create(
                    provider=provider,
                    problem=form.cleaned_data["problem"],
                    details=form.cleaned_data["details"],
                    location=form.cleaned_data["location"],
                )
            except ListingReportError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    gettext("Thank you. We have passed your report to the office to check and correct."),
                )
                # Back to the report section, where the thank-you is shown, with the search kept.
                return redirect(_profile_url(request, npi) + "#report")
        return render(
            request, "directory/provider.html", _profile_context(request, provider, form), status=400
        )
    return render(request, "directory/provider.html", _profile_context(request, provider, form))


def _profile_url(request: HttpRequest, npi: str) -> str:
    return reverse("directory:provider", args=[npi]) + search_query(request)


def _profile_context(request: HttpRequest, provider: Provider, form: ListingReportForm) -> dict[str, Any]:
    locations = list(provider.locations.all())
    finder = reverse("directory:find")
    return {
        "provider": provider,
        "locations": [(location, _map_link(location)) for location in locations],
        "report_form": form,
        "report_url": _profile_url(request, provider.npi),
        "finder_url": finder + search_query(request),
        "plain_finder_url": finder,
    }


def _map_link(location: PracticeLocation) -> str:
    address = f"{location.address_line1}, {location.city}, {location.state} {location.zip5}"
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address})
