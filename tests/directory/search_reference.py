"""A brute-force reference for the directory search, computed in Python from the directory tables.

What ``providers_near`` must return (docs/api.md), and random directories to compare it on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest
from geopy.distance import geodesic

from directory.geo import Origin, great_circle_km, min_closeness, unit_vector
from directory.models import Condition, PracticeLocation, Procedure, Provider
from directory.selectors import providers_near
from tests.directory.factories import PracticeLocationFactory, ProviderFactory
from tests.directory.test_search import DENVER

# --- A brute-force reference from the directory tables ----------------------------


@dataclass(frozen=True)
class Found:
    """One provider a search should return: who, at which location, how close (dot product)."""

    npi: str
    location_id: int
    closeness: float
    details: tuple[Any, ...]


def toggle(related: Any, item: Any) -> None:
    """Link ``item`` through the related manager, or unlink it when it is linked already."""
    if related.filter(pk=item.pk).exists():
        related.remove(item)
    else:
        related.add(item)


def reference_search(
    origin: Origin,
    radius_km: float,
    *,
    procedure: str | None = None,
    condition: str | None = None,
    accepting: bool | None = None,
    language: str | None = None,
) -> list[Found]:
    """What ``providers_near`` must return, computed in Python from the ORM objects alone.

    Within the radius means a dot product of unit vectors of at least
    ``min_closeness(origin, radius_km)``; nearer means a larger dot product. Providers come
    nearest first, then by last name, first name and NPI, each at their nearest location
    (the lower location id on a tie).
    """
    found: list[tuple[tuple[float, str, str, str], Found]] = []
    providers = Provider.objects.prefetch_related("locations", "procedures", "conditions", "languages")
    for provider in providers:
        if not passes_filters(provider, procedure, condition, accepting, language):
            continue
        nearest = nearest_within(provider, origin, radius_km)
        if nearest is None:
            continue
        closeness, location_id = nearest
        key = (-closeness, provider.last_name, provider.first_name, provider.npi)
        details = (
            provider.last_name,
            provider.first_name,
            provider.accepting_new_patients,
            in_catalog_order(provider.procedures.all(), "slug"),
            in_catalog_order(provider.conditions.all(), "slug"),
            in_catalog_order(provider.languages.all(), "code"),
        )
        found.append((key, Found(provider.npi, location_id, closeness, details)))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def passes_filters(
    provider: Provider,
    procedure: str | None,
    condition: str | None,
    accepting: bool | None,
    language: str | None,
) -> bool:
    """Whether a provider is listed and matches every given filter."""
    return (
        provider.is_listed
        and (accepting is None or provider.accepting_new_patients == accepting)
        and (procedure is None or procedure in {p.slug for p in provider.procedures.all()})
        and (condition is None or condition in {c.slug for c in provider.conditions.all()})
        and (language is None or language in {lang.code for lang in provider.languages.all()})
    )


def nearest_within(provider: Provider, origin: Origin, radius_km: float) -> tuple[float, int] | None:
    """(closeness, location id) of the provider's nearest location in the circle (lower id on a tie)."""
    ox, oy, oz = unit_vector(origin.lat, origin.lng)
    floor = min_closeness(origin, radius_km)
    within = []
    for location in provider.locations.all():
        if location.latitude is None or location.longitude is None:
            continue
        x, y, z = unit_vector(location.latitude, location.longitude)
        # The same arithmetic, in the same order, as the SQL expression.
        closeness = x * ox + y * oy + z * oz
        if closeness >= floor:
            within.append((closeness, location.pk))
    return max(within, key=lambda item: (item[0], -item[1])) if within else None


def in_catalog_order(entries: Any, key: str) -> list[str]:
    """Slugs or codes of catalog entries as a result lists them: by name, then primary key."""
    return [getattr(entry, key) for entry in sorted(entries, key=lambda entry: (entry.name, entry.pk))]


def described(results: Any) -> list[tuple[Any, ...]]:
    """What a result card says about each provider besides where: name, list status, catalog entries."""
    return [
        (
            provider.last_name,
            provider.first_name,
            provider.accepting_new_patients,
            [entry.slug for entry in provider.offered_procedures],
            [entry.slug for entry in provider.treated_conditions],
            [entry.code for entry in provider.spoken_languages],
        )
        for provider in results
    ]


def point_km_north(km: float) -> tuple[float, float]:
    """(latitude, longitude) ``km`` kilometres due north of Denver, as ``location_km_north`` places it."""
    point = geodesic(kilometers=km).destination((DENVER.lat, DENVER.lng), 0)
    return point.latitude, point.longitude


def shown(results: Any) -> list[tuple[str, int]]:
    """What a person sees of a result list: who, at which location."""
    return [(provider.npi, provider.nearest_location_id) for provider in results]


def expected(found: list[Found]) -> list[tuple[str, int]]:
    return [(item.npi, item.location_id) for item in found]


# --- A random directory around Denver ----------------------------------------------

LAST_NAMES = ["Abbott", "Baker", "Chen", "Diaz", "Okafor"]
FIRST_NAMES = ["Ana", "Ben", "Cleo"]


def random_directory(rng: random.Random, providers: int = 40) -> None:
    """Providers with 0 to 5 locations within about 250 km of Denver, some shared, some unlocated.

    Names repeat (so ties fall to the NPI), NPIs are random (so they do not follow the
    primary keys), some locations share a point or a building (so distances tie).
    """
    procedures = list(Procedure.objects.values_list("slug", flat=True))
    conditions = list(Condition.objects.values_list("slug", flat=True))
    languages = ["en", "es", "zh", "vi", "fr"]
    points: list[tuple[float, float]] = []
    locations: list[PracticeLocation] = []
    used_npis: set[str] = set()
    for _ in range(providers):
        mine = random_locations(rng, locations, points)
        number = str(rng.randrange(1_000_000_000, 2_000_000_000))
        while number in used_npis:
            number = str(rng.randrange(1_000_000_000, 2_000_000_000))
        used_npis.add(number)
        ProviderFactory.create(
            npi=number,
            last_name=rng.choice(LAST_NAMES),
            first_name=rng.choice(FIRST_NAMES),
            is_listed=rng.random() > 0.15,
            accepting_new_patients=rng.random() < 0.6,
            locations=mine,
            procedures=rng.sample(procedures, rng.randint(0, 3)),
            conditions=rng.sample(conditions, rng.randint(0, 2)),
            languages=rng.sample(languages, rng.randint(0, 2)),
        )


def random_locations(
    rng: random.Random, locations: list[PracticeLocation], points: list[tuple[float, float]]
) -> list[PracticeLocation]:
    """0 to 5 locations for one provider: new ones (kept in ``locations``), shared ones, unlocated ones."""
    mine: list[PracticeLocation] = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.15 and locations:
            mine.append(rng.choice(locations))  # a building shared with colleagues
            continue
        if roll < 0.25:
            lat, lng = None, rng.uniform(-107, -103)  # not yet geocoded
            location = PracticeLocationFactory.create(latitude=lat, longitude=lng)
        else:
            if roll < 0.35 and points:
                lat, lng = rng.choice(points)  # another address at the same point
            else:
                lat, lng = DENVER.lat + rng.uniform(-2, 2), DENVER.lng + rng.uniform(-2.6, 2.6)
                points.append((lat, lng))
            location = PracticeLocationFactory.create(latitude=lat, longitude=lng)
        locations.append(location)
        mine.append(location)
    return mine


RADII_KM = [3.0, 25.0, 90.0, 400.0]
FILTERS: list[dict[str, Any]] = [
    {},
    {"procedure": "facet-joint-injection"},
    {"procedure": "vertebroplasty-kyphoplasty"},
    {"condition": "spinal-stenosis"},
    {"accepting": True},
    {"accepting": False},
    {"language": "es"},
    {"procedure": "epidural-steroid-injection", "accepting": True, "language": "en"},
    {"procedure": "facet-joint-injection", "condition": "herniated-disc", "accepting": False},
]

PAGED_SEARCHES: list[tuple[float, dict[str, Any]]] = [
    (25.0, {}),
    (90.0, {}),
    (400.0, {}),
    (90.0, {"accepting": True}),
]
FILTERS_AFTER_EDITS: list[dict[str, Any]] = [
    {},
    {"accepting": True},
    {"procedure": "facet-joint-injection"},
    {"language": "es"},
]


def assert_search_agrees_with_reference(
    radius_km: float, filters: dict[str, Any], origin: Origin = DENVER
) -> None:
    want = reference_search(origin, radius_km, **filters)
    search = providers_near(origin=origin, radius_km=radius_km, **filters)

    results = list(search)

    context = f"{origin.label}, radius {radius_km} km, filters {filters}"
    assert search.count() == len(want), context
    assert shown(results) == expected(want), context
    assert described(results) == [item.details for item in want], context
    for provider in results:
        location = provider.nearest_location
        assert provider.distance_km == pytest.approx(
            great_circle_km(origin.lat, origin.lng, location.latitude, location.longitude)
        )
        assert provider.distance_km <= radius_km * (1 + 1e-9), context
