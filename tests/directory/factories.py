"""Factories for directory rows: practices, their locations, and the providers who work there."""

from __future__ import annotations

from typing import Any

import factory

from directory.geo import zip_centroid
from directory.models import Condition, Language, Practice, PracticeLocation, Procedure, Provider


class PracticeFactory(factory.django.DjangoModelFactory[Practice]):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Spine and Vascular Institute {n}")
    phone = "555-0100"
    accepting_referrals = True


class PracticeLocationFactory(factory.django.DjangoModelFactory[PracticeLocation]):
    """A location at the centroid of ``postal_code`` unless latitude/longitude are given."""

    class Meta:
        model = PracticeLocation

    class Params:
        postal_code_centroid = factory.LazyAttribute(lambda o: zip_centroid(o.postal_code))

    practice = factory.SubFactory(PracticeFactory)
    address_line1 = factory.Sequence(lambda n: f"{100 + n} Main Street")
    city = "Denver"
    state = "CO"
    postal_code = "80202"
    phone = "555-0101"
    latitude = factory.LazyAttribute(lambda o: o.postal_code_centroid.lat)
    longitude = factory.LazyAttribute(lambda o: o.postal_code_centroid.lng)


def _set_slugs(model: Any, field: str, values: list[str] | None) -> list[Any]:
    return list(model.objects.filter(**{f"{field}__in": values or []}))


class ProviderFactory(factory.django.DjangoModelFactory[Provider]):
    """A listed provider; pass ``locations=[...]``, ``procedures=["slug"]``, ``conditions``, ``languages``."""

    class Meta:
        model = Provider
        skip_postgeneration_save = True

    npi = factory.Sequence(lambda n: f"{1000000000 + n}")
    first_name = factory.Sequence(lambda n: f"Alex{n}")
    last_name = factory.Sequence(lambda n: f"Rivera{n:05d}")
    credential = "MD"
    accepting_new_patients = True
    is_listed = True

    @factory.post_generation
    def locations(self, create: bool, extracted: list[PracticeLocation] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.locations.set(extracted)

    @factory.post_generation
    def procedures(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.procedures.set(_set_slugs(Procedure, "slug", extracted))

    @factory.post_generation
    def conditions(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.conditions.set(_set_slugs(Condition, "slug", extracted))

    @factory.post_generation
    def languages(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.languages.set(_set_slugs(Language, "code", extracted))
