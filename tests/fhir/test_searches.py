"""FHIR searches find what the directory holds, in the order docs/fhir.md promises."""

from __future__ import annotations

import datetime as dt
import random
from urllib.parse import urlsplit

import pytest
from django.test import Client

from directory.models import Provider
from tests.directory.factories import PracticeFactory, PracticeLocationFactory, ProviderFactory
from tests.directory.search_reference import random_directory
from tests.directory.test_search import DENVER, location_km_north
from tests.fhir.conftest import FhirGet, ids, resources

pytestmark = pytest.mark.django_db

DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"
NEAR_DENVER = f"{DENVER.lat}|{DENVER.lng}"


def all_pages(fhir_get: FhirGet, path: str, params: dict) -> tuple[list[str], int]:
    """(every matched id, following the Bundle's next links, the Bundle's total)."""
    _, bundle = fhir_get(path, params)
    found, total = ids(bundle), bundle["total"]
    while nxt := [link["url"] for link in bundle["link"] if link["relation"] == "next"]:
        url = urlsplit(nxt[0])
        _, bundle = fhir_get(url.path + "?" + url.query)
        found += ids(bundle)
    return found, total


def api_npis(client: Client, miles: float) -> tuple[list[str], int]:
    found: list[str] = []
    page = 1
    while True:
        params = {"near": f"{DENVER.lat},{DENVER.lng}", "radius": str(miles), "page": str(page)}
        body = client.get("/api/v1/providers/", params).json()
        found += [result["npi"] for result in body["results"]]
        if body["next"] is None:
            return found, body["count"]
        page += 1


@pytest.mark.parametrize("seed", [7, 2024])
def test_practitioner_roles_near_a_place_are_the_api_search_in_the_same_order(
    fhir_get: FhirGet, client: Client, seed: int
) -> None:
    random_directory(random.Random(seed))

    totals = []
    for miles in (30, 100, 250):
        roles, total = all_pages(
            fhir_get, "/fhir/PractitionerRole", {"location.near": f"{NEAR_DENVER}|{miles}|mi"}
        )
        assert (roles, total) == api_npis(client, miles)
        totals.append(total)
    assert totals[-1] > 20  # more than a page


def test_locations_near_a_place_come_nearest_first_with_their_distance(fhir_get: FhirGet) -> None:
    far = location_km_north(30)
    near = location_km_north(5)
    middle = location_km_north(12)
    ProviderFactory.create(locations=[far, near, middle])

    _, in_km = fhir_get("/fhir/Location", {"near": f"{NEAR_DENVER}|20"})  # km when no units are given
    _, in_miles = fhir_get("/fhir/Location", {"near": f"{NEAR_DENVER}|20|mi"})

    assert ids(in_km) == [str(near.pk), str(middle.pk)]
    distances = [entry["search"]["extension"][0] for entry in in_km["entry"]]
    assert {extension["url"] for extension in distances} == {DISTANCE}
    assert [extension["valueDistance"]["value"] for extension in distances] == [
        pytest.approx(5, rel=0.005),
        pytest.approx(12, rel=0.005),
    ]
    assert ids(in_miles) == [str(near.pk), str(middle.pk), str(far.pk)]
    assert in_miles["entry"][2]["search"]["extension"][0]["valueDistance"]["code"] == "[mi_i]"
    assert in_miles["entry"][2]["search"]["extension"][0]["valueDistance"]["value"] == pytest.approx(
        30 / 1.609344, rel=0.005
    )


def test_locations_are_found_by_zip_city_state_and_organization(fhir_get: FhirGet) -> None:
    practice = PracticeFactory.create()
    boulder = PracticeLocationFactory.create(
        practice=practice, city="Boulder", state="CO", postal_code="80302"
    )
    tulsa = PracticeLocationFactory.create(city="Tulsa", state="OK", postal_code="74103")

    searches = {
        "address-postalcode": ("803", [boulder]),
        "address-city": ("boul", [boulder]),
        "address-state": ("OK", [tulsa]),
        "organization": (f"Organization/{practice.pk}", [boulder]),
    }
    for name, (value, expected) in searches.items():
        _, bundle = fhir_get("/fhir/Location", {name: value})
        assert ids(bundle) == [str(location.pk) for location in expected], name


def test_practitioner_roles_are_filtered_by_specialty_catalog_npi_and_organization(fhir_get: FhirGet) -> None:
    practice = PracticeFactory.create()
    spot = location_km_north(3, practice=practice)
    vertebro = ProviderFactory.create(
        locations=[spot], procedures=["vertebroplasty-kyphoplasty"], conditions=["spinal-stenosis"]
    )
    other = ProviderFactory.create(locations=[location_km_north(4)], procedures=["facet-joint-injection"])
    near = f"{NEAR_DENVER}|10|mi"

    def found(**params: str) -> list[str]:
        return ids(fhir_get("/fhir/PractitionerRole", {"location.near": near, **params})[1])

    assert found(specialty="2085R0204X") == [vertebro.npi, other.npi]
    assert found(specialty="http://nucc.org/provider-taxonomy|2085R0204X") == [vertebro.npi, other.npi]
    assert found(specialty="207Q00000X") == []
    assert found(procedure="vertebroplasty-kyphoplasty") == [vertebro.npi]
    assert found(condition="spinal-stenosis") == [vertebro.npi]
    assert found(**{"practitioner.identifier": f"http://hl7.org/fhir/sid/us-npi|{other.npi}"}) == [other.npi]
    assert found(organization=f"Organization/{practice.pk}") == [vertebro.npi]
    assert ids(fhir_get("/fhir/PractitionerRole", {"procedure": "facet-joint-injection"})[1]) == [other.npi]


def test_includes_bring_each_practitioner_location_and_organization_once(fhir_get: FhirGet) -> None:
    practice = PracticeFactory.create()
    spot = location_km_north(3, practice=practice)
    first, second = (
        ProviderFactory.create(locations=[spot]),
        ProviderFactory.create(locations=[spot, location_km_north(8)]),
    )

    _, bundle = fhir_get(
        "/fhir/PractitionerRole?location.near=" + f"{NEAR_DENVER}|10|mi"
        "&_include=PractitionerRole:practitioner&_include=PractitionerRole:location"
        "&_include=PractitionerRole:organization"
    )

    included = [(item["resourceType"], item["id"]) for item in resources(bundle, "include")]
    assert sorted(included) == sorted(
        [
            ("Practitioner", first.npi),
            ("Practitioner", second.npi),
            ("Location", str(spot.pk)),
            ("Location", str(second.locations.exclude(pk=spot.pk).get().pk)),
            ("Organization", str(practice.pk)),
        ]
    )
    assert bundle["total"] == 2


def test_practitioners_are_found_by_npi_and_name_and_organizations_by_name(fhir_get: FhirGet) -> None:
    maria = ProviderFactory.create(first_name="Maria", last_name="Lopez")
    ProviderFactory.create(first_name="Sam", last_name="Marsh")
    PracticeFactory.create(name="Front Range IR")
    PracticeFactory.create(name="Summit Spine")

    assert ids(
        fhir_get("/fhir/Practitioner", {"identifier": f"http://hl7.org/fhir/sid/us-npi|{maria.npi}"})[1]
    ) == [maria.npi]
    assert ids(fhir_get("/fhir/Practitioner", {"identifier": f"urn:other|{maria.npi}"})[1]) == []
    assert ids(fhir_get("/fhir/Practitioner", {"name": "lop"})[1]) == [maria.npi]
    assert ids(fhir_get("/fhir/Practitioner", {"name": "Mar"})[1]) == [
        maria.npi,
        *ids(fhir_get("/fhir/Practitioner", {"name": "Marsh"})[1]),
    ]
    organizations = resources(fhir_get("/fhir/Organization", {"name": "front"})[1])
    assert [item["name"] for item in organizations] == ["Front Range IR"]


def test_last_updated_prefixes_find_what_changed_before_or_after_a_moment(fhir_get: FhirGet) -> None:
    january, march = ProviderFactory.create(), ProviderFactory.create()
    Provider.objects.filter(pk=january.pk).update(updated_at=dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC))
    Provider.objects.filter(pk=march.pk).update(updated_at=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC))

    def found(*values: str) -> set[str]:
        query = "&".join(f"_lastUpdated={value}" for value in values)
        return set(ids(fhir_get(f"/fhir/Practitioner?{query}")[1]))

    assert found("gt2026-02-01") == {march.npi}
    assert found("ge2026-03-10") == {march.npi}
    assert found("gt2026-03-10") == set()
    assert found("lt2026-02-01") == {january.npi}
    assert found("le2026-01-10") == {january.npi}
    assert found("2026-01-10") == {january.npi}
    assert found("ge2026-01-01", "lt2026-12-31T00:00:00Z") == {january.npi, march.npi}
    assert found("gt2026-01-10T12:00:00%2B00:00") == {march.npi}


def test_pages_of_a_search_link_to_each_other_and_hold_every_match_once(fhir_get: FhirGet) -> None:
    providers = [ProviderFactory.create(last_name=f"Name{number}") for number in range(5)]

    _, first = fhir_get("/fhir/Practitioner", {"_count": 2})
    found, total = all_pages(fhir_get, "/fhir/Practitioner", {"_count": 2})
    _, last = fhir_get("/fhir/Practitioner", {"_count": 2, "_page": 3})

    assert (first["type"], first["total"], total) == ("searchset", 5, 5)
    assert found == [provider.npi for provider in providers]
    assert {link["relation"] for link in first["link"]} == {"self", "next"}
    assert {link["relation"] for link in last["link"]} == {"self", "previous"}
    assert ids(last) == [providers[4].npi]
