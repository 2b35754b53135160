"""The directory's API shapes, and the one validation of a search that the API and /find/ share."""

from __future__ import annotations

import copy
import math
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.geo import KM_PER_MILE, AmbiguousPlace, Origin, PlaceNotFound, resolve_place
from directory.models import Condition, Language, PracticeLocation, Procedure, Provider

MAX_RADIUS = 250
DEFAULT_RADIUS = 25
UNITS_IN_KM = {"mi": KM_PER_MILE, "km": 1.0}
UNIT_NAMES = {"mi": "miles", "km": "kilometres"}


def _known_values(model: Any, field: str, value: str, what: str) -> str:
    known = sorted(model.objects.values_list(field, flat=True))
    if value not in known:
        raise serializers.ValidationError(
            f'"{value[:64]}" is not a {what} we list. Use one of: {", ".join(known)}.'
        )
    return value


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    """Only ``true`` or ``false`` (any case): a typo must not silently mean "no"."""

    default_error_messages = {"invalid": 'Use "true" or "false".'}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        text = str(data).strip().lower()
        if text not in ("true", "false"):
            self.fail("invalid")
        return text == "true"

    def to_representation(self, value: bool) -> bool:
        return value


class ProviderSearchSerializer(serializers.Serializer):
    """The query of a provider search, validated; ``near`` becomes an ``Origin``.

    Blank optional parameters (as an HTML form sends them) mean "any". Use
    ``providers_near_kwargs()`` to call ``selectors.providers_near``.
    """

    near = serializers.CharField(
        max_length=200,
        help_text=(
            'Where to search from: a 5-digit ZIP code, a city ("City, ST", "City, State", or the city '
            'alone; a name several states share is a 400 listing them) or "latitude,longitude".'
        ),
        error_messages={
            "required": 'Tell us where to search from: a ZIP code, "City, ST" or "latitude,longitude".',
            "blank": 'Tell us where to search from: a ZIP code, "City, ST" or "latitude,longitude".',
        },
    )
    radius = serializers.FloatField(
        required=False,
        default=DEFAULT_RADIUS,
        help_text=f"Search radius in the chosen units: more than 0, at most {MAX_RADIUS}. Default 25.",
        error_messages={"invalid": "Enter the radius as a number, for example 25."},
    )
    units = serializers.ChoiceField(
        choices=[("mi", "miles"), ("km", "kilometres")],
        required=False,
        default="mi",
        help_text="Units of radius and distance: mi (default) or km.",
        error_messages={"invalid_choice": 'Use "mi" for miles or "km" for kilometres.'},
    )
    procedure = serializers.CharField(
        required=False, allow_blank=True, help_text="Procedure slug, see /api/v1/procedures/."
    )
    condition = serializers.CharField(
        required=False, allow_blank=True, help_text="Condition slug, see /api/v1/conditions/."
    )
    accepting = StrictBooleanField(
        required=False,
        help_text="true: only providers accepting new patients; false: only those who are not.",
    )
    language = serializers.CharField(
        required=False, allow_blank=True, help_text="Language code spoken by the provider, e.g. es."
    )
    page = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Page number, from 1. A page past the last one is a 400.",
        error_messages={
            "invalid": "Enter the page as a whole number, for example 2.",
            "min_value": "Pages are numbered from 1.",
        },
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # Every search builds this serializer, and DRF deep-copies each declared field per
        # instance: for these eight that cost half as much as a whole trivial API response.
        # A shallow copy is enough here: binding sets attributes on the copy only, and no
        # caller changes a field's arguments, validators or choices in place.
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    # Set when ``near`` was a city name alone that several states have.
    ambiguous_place: AmbiguousPlace | None = None

    def validate_near(self, value: str) -> Origin:
        try:
            return resolve_place(value)
        except PlaceNotFound as error:
            if isinstance(error, AmbiguousPlace):
                self.ambiguous_place = error
            raise serializers.ValidationError(str(error)) from error

    def validate_radius(self, value: float) -> float:
        if not math.isfinite(value):
            raise serializers.ValidationError("Enter the radius as a number, for example 25.")
        # The same numbers bound both units; out of range is refused, never clamped.
        if not 0 < value <= MAX_RADIUS:
            units = UNIT_NAMES.get(str(self.initial_data.get("units") or "mi"), "miles or kilometres")
            raise serializers.ValidationError(
                f"The radius must be more than 0 and at most {MAX_RADIUS} {units}; {value:g} is out of range."
            )
        return value

    def validate_procedure(self, value: str) -> str | None:
        return _known_values(Procedure, "slug", value, "procedure") if value else None

    def validate_condition(self, value: str) -> str | None:
        return _known_values(Condition, "slug", value, "condition") if value else None

    def validate_language(self, value: str) -> str | None:
        return _known_values(Language, "code", value.lower(), "language code") if value else None

    def providers_near_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.providers_near`` from the validated query."""
        data = self.validated_data
        return {
            "origin": data["near"],
            "radius_km": data["radius"] * UNITS_IN_KM[data["units"]],
            "procedure": data.get("procedure"),
            "condition": data.get("condition"),
            "accepting": data.get("accepting"),
            "language": data.get("language"),
        }


class OriginSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    label = serializers.CharField()  # type: ignore[assignment]


class LocationSerializer(serializers.ModelSerializer):
    address = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    lat = serializers.FloatField(source="latitude", allow_null=True)
    lng = serializers.FloatField(source="longitude", allow_null=True)

    class Meta:
        model = PracticeLocation
        fields = ["address", "city", "state", "postal_code", "phone", "lat", "lng"]

    def get_address(self, location: PracticeLocation) -> str:
        return ", ".join(line for line in (location.address_line1, location.address_line2) if line)

    def get_phone(self, location: PracticeLocation) -> str:
        # A location without its own number is reached through the practice's main line.
        return location.phone or location.practice.phone

    def to_representation(self, instance: PracticeLocation) -> dict[str, Any]:
        # The declared fields, built directly: a results page shows twenty of these, and
        # DRF's field-by-field walk costs more than the search behind them.
        return {
            "address": self.get_address(instance),
            "city": instance.city,
            "state": instance.state,
            "postal_code": instance.postal_code,
            "phone": self.get_phone(instance),
            "lat": instance.latitude,
            "lng": instance.longitude,
        }


class PracticeLocationSerializer(LocationSerializer):
    practice = serializers.CharField(source="practice.name")

    class Meta(LocationSerializer.Meta):
        fields = ["practice", *LocationSerializer.Meta.fields]

    def to_representation(self, instance: PracticeLocation) -> dict[str, Any]:
        return {"practice": instance.practice.name, **super().to_representation(instance)}


class ProviderSerializer(serializers.ModelSerializer):
    """What the directory says about a provider, wherever they are found."""

    name = serializers.SerializerMethodField()
    procedures: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    conditions: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    languages: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )

    class Meta:
        model = Provider
        fields = [
            "npi",
            "name",
            "credential",
            "accepting_new_patients",
            "procedures",
            "conditions",
            "languages",
        ]

    def get_name(self, provider: Provider) -> str:
        return " ".join(
            part for part in (provider.first_name, provider.middle_name, provider.last_name) if part
        )


class ProviderResultSerializer(ProviderSerializer):
    """A search hit: the provider at their nearest location, ``distance`` in the asked units.

    Reads the catalog entries a search attaches to each provider (``selectors.ProvidersNear``).
    """

    procedures = serializers.SerializerMethodField()  # type: ignore[assignment]
    conditions = serializers.SerializerMethodField()  # type: ignore[assignment]
    languages = serializers.SerializerMethodField()  # type: ignore[assignment]
    location = LocationSerializer(source="nearest_location")
    distance = serializers.SerializerMethodField()

    class Meta(ProviderSerializer.Meta):
        fields = [*ProviderSerializer.Meta.fields, "location", "distance"]

    def get_procedures(self, provider: Any) -> list[str]:
        return [procedure.slug for procedure in provider.offered_procedures]

    def get_conditions(self, provider: Any) -> list[str]:
        return [condition.slug for condition in provider.treated_conditions]

    def get_languages(self, provider: Any) -> list[str]:
        return [language.code for language in provider.spoken_languages]

    def get_distance(self, provider: Any) -> float:
        return round(provider.distance_km / UNITS_IN_KM[self.context["units"]], 2)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        # The declared fields, built directly (see LocationSerializer.to_representation).
        return {
            "npi": instance.npi,
            "name": self.get_name(instance),
            "credential": instance.credential,
            "accepting_new_patients": instance.accepting_new_patients,
            "procedures": self.get_procedures(instance),
            "conditions": self.get_conditions(instance),
            "languages": self.get_languages(instance),
            "location": _LOCATION.to_representation(instance.nearest_location),
            "distance": self.get_distance(instance),
        }


_LOCATION = LocationSerializer()


class ProviderDetailSerializer(ProviderSerializer):
    locations = PracticeLocationSerializer(many=True, read_only=True)

    class Meta(ProviderSerializer.Meta):
        fields = [*ProviderSerializer.Meta.fields, "locations"]


class ProviderSearchPageSerializer(serializers.Serializer):
    """The shape of a search response (for the schema)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    units = serializers.ChoiceField(choices=["mi", "km"])
    origin = OriginSerializer()
    results = ProviderResultSerializer(many=True)


class CatalogEntrySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
