"""A real FHIR client (fhirpy) against the running server finds IRs near a place and reads them."""

from __future__ import annotations

from typing import Any

import pytest
from fhirpy import SyncFHIRClient

from tests.directory.factories import PracticeFactory, ProviderFactory
from tests.directory.test_search import DENVER, location_km_north

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fhir_client_finds_irs_near_a_place_and_reads_their_practitioners_locations_and_organizations(
    live_server: Any,
) -> None:
    practice = PracticeFactory(name="Front Range IR")
    spot = location_km_north(4, practice=practice)
    near = ProviderFactory(locations=[spot], procedures=["vertebroplasty-kyphoplasty"], last_name="Near")
    farther = ProviderFactory(locations=[location_km_north(9)], procedures=["vertebroplasty-kyphoplasty"])
    nearest = location_km_north(2)
    ProviderFactory(locations=[nearest], procedures=["facet-joint-injection"])
    client = SyncFHIRClient(f"{live_server.url}/fhir")

    roles = (
        client.resources("PractitionerRole")
        .search(
            **{"location.near": f"{DENVER.lat}|{DENVER.lng}|10|mi", "procedure": "vertebroplasty-kyphoplasty"}
        )
        .include("PractitionerRole", "practitioner")
        .fetch_raw()
    )
    matched = [entry.resource for entry in roles.entry if entry.search.mode == "match"]
    included = [entry.resource for entry in roles.entry if entry.search.mode == "include"]

    assert [role.id for role in matched] == [near.npi, farther.npi]
    assert {practitioner.id for practitioner in included} == {near.npi, farther.npi}
    practitioner = matched[0].practitioner.to_resource()
    location = matched[0].location[0].to_resource()
    organization = matched[0].organization.to_resource()
    assert practitioner.identifier[0].value == near.npi
    assert location.position.latitude == pytest.approx(spot.latitude)
    assert organization.name == "Front Range IR"
    assert [item.id for item in client.resources("Practitioner").search(identifier=near.npi).fetch()] == [
        near.npi
    ]
    assert [org.name for org in client.resources("Organization").search(name="front").fetch()] == [
        "Front Range IR"
    ]
    found = client.resources("Location").search(near=f"{DENVER.lat}|{DENVER.lng}|5|km").fetch_all()
    assert [item.id for item in found] == [str(nearest.pk), str(spot.pk)]
