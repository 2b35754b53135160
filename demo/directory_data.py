"""Demo directory: realistic (but invented) IR practices and providers at real ZIP centroids.

The plan is drawn from a seeded RNG, so the same arguments always describe the same
practices and providers. Each practice is recognised by the NPI of its first provider:
a practice already in the database is skipped, which makes a second run create nothing.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone

from demo.vocabulary import (
    FIRST_NAMES,
    LAST_NAMES,
    MIDDLE_INITIALS,
    PLACE_WORDS,
    PRACTICE_KINDS,
    PROCEDURE_CONDITIONS,
    PROCEDURE_WEIGHTS,
    SECOND_LANGUAGES,
    STREET_NAMES,
    STREET_TYPES,
)
from directory.models import Condition, Language, Practice, PracticeLocation, Procedure, Provider
from directory.npi import npi_check_digit
from directory.places import zip_rows
from directory.time_zones import zone_for_address

# Demo NPIs live in one block ("19" + a sequence number) so they are easy to spot.
DEMO_NPI_PREFIX = "19"

# Practices placed first, so even a tiny demo finds results around these well-known ZIPs.
ANCHOR_ZIPS = ["10001", "60601", "94103", "77030", "02115"]
# The first practice at each anchor ZIP is a demo IR office: named so, taking referrals and
# offering every procedure; the referral demo enrols it with a staff login named after it.
DEMO_OFFICES = {
    "60601": "Lakeside",
    "10001": "Summit",
    "94103": "Bayview",
    "77030": "Harbor",
    "02115": "Northshore",
}


@dataclass(frozen=True)
class ZipPlace:
    zip_code: str
    city: str
    state: str
    lat: float
    lng: float
    area_code: str


@dataclass(frozen=True)
class LocationPlan:
    address_line1: str
    address_line2: str
    place: ZipPlace
    phone: str
    verified_days_ago: int


@dataclass
class ProviderPlan:
    npi: str
    first_name: str
    middle_name: str
    last_name: str
    credential: str
    sex: str
    accepting_new_patients: bool
    languages: list[str]
    procedures: list[str]
    conditions: list[str]
    location_indexes: list[int]


@dataclass
class PracticePlan:
    name: str
    phone: str
    website: str
    accepting_referrals: bool
    locations: list[LocationPlan]
    providers: list[ProviderPlan] = field(default_factory=list)


@dataclass(frozen=True)
class SeedSummary:
    practices_created: int
    locations_created: int
    providers_created: int

    @property
    def created_anything(self) -> bool:
        return bool(self.practices_created or self.locations_created or self.providers_created)


def demo_npi(sequence: int) -> str:
    """Return the valid ten-digit demo NPI for a provider sequence number (0-based)."""
    body = f"{DEMO_NPI_PREFIX}{sequence:07d}"
    return body + npi_check_digit(body)


@cache
def _zip_places() -> tuple[dict[str, ZipPlace], dict[tuple[str, str], list[ZipPlace]], list[int]]:
    """Return ZIPs by code, cities (their ZIP lists) and cumulative weights that favour big cities.

    The ``zipcodes`` data carries no population, so the number of delivery ZIPs a city has
    stands in for its size; weighting by its square puts about three practices in four in
    cities with ten or more ZIPs, the way real IR practices cluster around large hospitals.
    """
    by_code: dict[str, ZipPlace] = {}
    by_city: dict[tuple[str, str], list[ZipPlace]] = defaultdict(list)
    for row in zip_rows():
        if row["zip_code_type"] != "STANDARD" or not row["active"] or not row["lat"]:
            continue
        place = ZipPlace(
            zip_code=row["zip_code"],
            city=row["city"],
            state=row["state"],
            lat=float(row["lat"]),
            lng=float(row["long"]),
            area_code=(row.get("area_codes") or ["555"])[0],
        )
        by_code[place.zip_code] = place
        by_city[(place.city, place.state)].append(place)
    cities = dict(sorted(by_city.items()))
    cumulative = list(itertools.accumulate(len(zips) ** 2 for zips in cities.values()))
    return by_code, cities, cumulative


def _fictional_phone(rng: random.Random, area_code: str) -> str:
    # 555-0100..0199 are reserved for fiction, so no demo number rings a real person.
    return f"({area_code}) 555-01{rng.randint(0, 99):02d}"


def _street(rng: random.Random) -> str:
    return f"{rng.choice(STREET_NAMES).replace('-', ' ')} {rng.choice(STREET_TYPES)}"


def _plan_location(rng: random.Random, place: ZipPlace) -> LocationPlan:
    return LocationPlan(
        address_line1=f"{rng.randint(10, 9899)} {_street(rng)}",
        address_line2=rng.choice(["", "", f"Suite {rng.randint(1, 9)}{rng.randint(0, 9)}0"]),
        place=place,
        phone=_fictional_phone(rng, place.area_code),
        verified_days_ago=rng.randint(0, 400),
    )


def _plan_provider(rng: random.Random, sequence: int, location_count: int) -> ProviderPlan:
    sex = Provider.Sex.MALE if rng.random() < 0.7 else Provider.Sex.FEMALE
    procedures = [slug for slug, weight in PROCEDURE_WEIGHTS.items() if rng.random() < weight]
    if not procedures:
        procedures = ["epidural-steroid-injection"]
    conditions = sorted({condition for slug in procedures for condition in PROCEDURE_CONDITIONS[slug]})
    languages = ["en"]
    if rng.random() < 0.35:
        codes, weights = zip(*SECOND_LANGUAGES.items(), strict=True)
        languages.append(rng.choices(codes, weights=weights)[0])
    location_indexes = sorted(rng.sample(range(location_count), k=rng.randint(1, location_count)))
    return ProviderPlan(
        npi=demo_npi(sequence),
        first_name=rng.choice(FIRST_NAMES[sex]),
        middle_name=f"{rng.choice(MIDDLE_INITIALS)}." if rng.random() < 0.4 else "",
        last_name=rng.choice(LAST_NAMES),
        credential="MD" if rng.random() < 0.85 else "DO",
        sex=sex,
        accepting_new_patients=rng.random() < 0.8,
        languages=languages,
        procedures=procedures,
        conditions=conditions,
        location_indexes=location_indexes,
    )


def _practice_name(rng: random.Random, place: ZipPlace) -> str:
    prefix = place.city if rng.random() < 0.4 else rng.choice(PLACE_WORDS)
    return f"{prefix} {rng.choice(PRACTICE_KINDS)}"


def plan_directory(*, providers: int, rng_seed: int = 7) -> list[PracticePlan]:
    """Return the deterministic list of demo practices holding exactly ``providers`` providers."""
    rng = random.Random(rng_seed)
    by_code, cities, cumulative = _zip_places()
    city_lists = list(cities.values())
    plans: list[PracticePlan] = []
    sequence = 0
    anchors = [by_code[code] for code in ANCHOR_ZIPS if code in by_code]
    while sequence < providers:
        if len(plans) < 2 * len(anchors):
            first = anchors[len(plans) % len(anchors)]
        else:
            first = rng.choice(rng.choices(city_lists, cum_weights=cumulative)[0])
        same_city = cities.get((first.city, first.state), [first])
        extra = rng.choices([0, 1, 2], weights=[60, 30, 10])[0]
        others = [place for place in same_city if place is not first]
        places = [first, *rng.sample(others, k=min(extra, len(others)))]
        locations = [_plan_location(rng, place) for place in places]
        name = _practice_name(rng, first)
        plan = PracticePlan(
            name=name,
            phone=locations[0].phone,
            website=f"https://{name.lower().replace(' & ', '-').replace(' ', '-')}.example",
            accepting_referrals=rng.random() < 0.9,
            locations=locations,
        )
        size = min(rng.randint(1, 6), providers - sequence)
        for _ in range(size):
            plan.providers.append(_plan_provider(rng, sequence, len(locations)))
            sequence += 1
        if len(plans) < len(anchors) and first.zip_code in DEMO_OFFICES:
            _make_office(plan, DEMO_OFFICES[first.zip_code])
        plans.append(plan)
    return plans


def _make_office(plan: PracticePlan, prefix: str) -> None:
    """Turn ``plan`` into a demo IR office: its name, referrals on, every procedure on offer."""
    plan.name = f"{prefix} {next(kind for kind in PRACTICE_KINDS if plan.name.endswith(kind))}"
    plan.accepting_referrals = True
    lead = plan.providers[0]
    lead.procedures = list(PROCEDURE_WEIGHTS)
    lead.conditions = sorted({condition for slugs in PROCEDURE_CONDITIONS.values() for condition in slugs})
    lead.location_indexes = list(range(len(plan.locations)))


def _existing_demo_npis() -> set[str]:
    return set(
        Provider.objects.filter(npi__startswith=DEMO_NPI_PREFIX).values_list("npi", flat=True).iterator()
    )


@transaction.atomic
def seed_directory(*, providers: int, rng_seed: int = 7) -> SeedSummary:
    """Create the demo practices, locations and providers that are not in the database yet.

    Returns counts of what was created; running it again with the same arguments creates nothing.
    """
    # Each run is one transaction, so the last planned NPI present means the whole plan is;
    # answering without planning keeps the every-start run of ``make run`` quick.
    if providers <= 0 or Provider.objects.filter(npi=demo_npi(providers - 1)).exists():
        return SeedSummary(practices_created=0, locations_created=0, providers_created=0)
    plans = plan_directory(providers=providers, rng_seed=rng_seed)
    existing = _existing_demo_npis()
    new_plans = [plan for plan in plans if plan.providers[0].npi not in existing]
    practices, location_rows = _create_practices(new_plans, timezone.now())
    created = _create_providers(new_plans, location_rows, existing)
    return SeedSummary(
        practices_created=len(practices),
        locations_created=sum(len(rows) for rows in location_rows),
        providers_created=len(created),
    )


def _create_practices(
    new_plans: list[PracticePlan], now: datetime
) -> tuple[list[Practice], list[list[PracticeLocation]]]:
    """The planned practices and, for each, its locations."""
    practices = Practice.objects.bulk_create(
        [
            Practice(
                name=plan.name,
                phone=plan.phone,
                website=plan.website,
                accepting_referrals=plan.accepting_referrals,
            )
            for plan in new_plans
        ]
    )
    location_rows = [
        [_location_row(practice, spec, now) for spec in plan.locations]
        for practice, plan in zip(practices, new_plans, strict=True)
    ]
    PracticeLocation.objects.bulk_create([row for rows in location_rows for row in rows])
    return practices, location_rows


def _create_providers(
    new_plans: list[PracticePlan], location_rows: list[list[PracticeLocation]], existing: set[str]
) -> list[Provider]:
    """The planned providers not yet present, linked to their practice's locations."""
    provider_plans = [
        (provider_plan, locations)
        for plan, locations in zip(new_plans, location_rows, strict=True)
        for provider_plan in plan.providers
        if provider_plan.npi not in existing
    ]
    created = Provider.objects.bulk_create(
        [
            Provider(
                npi=p.npi,
                first_name=p.first_name,
                middle_name=p.middle_name,
                last_name=p.last_name,
                credential=p.credential,
                sex=p.sex,
                accepting_new_patients=p.accepting_new_patients,
            )
            for p, _ in provider_plans
        ]
    )
    _link_providers(list(zip(created, provider_plans, strict=True)))
    return created


def _location_row(practice: Practice, spec: LocationPlan, now: datetime) -> PracticeLocation:
    return PracticeLocation(
        practice=practice,
        address_line1=spec.address_line1,
        address_line2=spec.address_line2,
        city=spec.place.city,
        state=spec.place.state,
        postal_code=spec.place.zip_code,
        phone=spec.phone,
        time_zone=zone_for_address(spec.place.zip_code, spec.place.state),
        **PracticeLocation.coordinates(spec.place.lat, spec.place.lng),
        geocode_source=PracticeLocation.GeocodeSource.ZIP_CENTROID,
        geocoded_at=now,
        last_verified_at=now - timedelta(days=spec.verified_days_ago),
    )


def _link_providers(pairs: list[tuple[Provider, tuple[ProviderPlan, list[PracticeLocation]]]]) -> None:
    """Write the many-to-many rows (languages, procedures, conditions, locations) in bulk."""
    language_ids = dict(Language.objects.values_list("code", "id"))
    procedure_ids = dict(Procedure.objects.values_list("slug", "id"))
    condition_ids = dict(Condition.objects.values_list("slug", "id"))
    language_links, procedure_links, condition_links, location_links = [], [], [], []
    for provider, (plan, locations) in pairs:
        language_links += [
            Provider.languages.through(provider_id=provider.pk, language_id=language_ids[code])
            for code in plan.languages
            if code in language_ids
        ]
        procedure_links += [
            Provider.procedures.through(provider_id=provider.pk, procedure_id=procedure_ids[slug])
            for slug in plan.procedures
            if slug in procedure_ids
        ]
        condition_links += [
            Provider.conditions.through(provider_id=provider.pk, condition_id=condition_ids[slug])
            for slug in plan.conditions
            if slug in condition_ids
        ]
        location_links += [
            Provider.locations.through(provider_id=provider.pk, practicelocation_id=locations[index].pk)
            for index in plan.location_indexes
        ]
    Provider.languages.through.objects.bulk_create(language_links, batch_size=2000)
    Provider.procedures.through.objects.bulk_create(procedure_links, batch_size=2000)
    Provider.conditions.through.objects.bulk_create(condition_links, batch_size=2000)
    Provider.locations.through.objects.bulk_create(location_links, batch_size=2000)
