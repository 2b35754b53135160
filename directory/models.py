"""The public directory: IR practices, where they are, who works there, what they do."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory import geo
from directory.enrolment import EndpointStatus, PracticeMembership, PracticeQuerySet  # noqa: F401
from directory.time_zones import validate_time_zone, zone_for_address


class CatalogEntry(models.Model):
    """A procedure or condition patients can search by; the slug is part of the API contract."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(help_text="Plain-language description written for patients.")

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Procedure(CatalogEntry):
    pass


class Condition(CatalogEntry):
    pass


class Language(models.Model):
    """A language spoken at an office, by ISO 639-1 code (``en``, ``es``...)."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    """An IR office: the unit that receives referrals and keeps its listing current."""

    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=32, blank=True)
    website = models.URLField(blank=True)
    accepting_referrals = models.BooleanField(
        default=True, help_text="Untick to stop the portal routing new referrals here."
    )
    # Delivery channels and enrolment: docs/workflow.md.
    referral_inbox_email = models.EmailField(blank=True, help_text="Monitored; told of each new referral.")
    fhir_base_url = models.URLField(blank=True, help_text="FHIR R4 base URL receiving referrals.")
    fhir_endpoint_status = models.CharField(max_length=8, choices=EndpointStatus.choices, default="off")
    enrolled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # New-referral notices that failed one after another; two or more needs a coordinator.
    delivery_failures_in_a_row = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"]),
            # Routing reads the enrolled few among thousands of NPPES practices on every decision.
            models.Index(
                fields=["enrolled_at"],
                name="practice_enrolled",
                condition=models.Q(enrolled_at__isnull=False),
            ),
        ]
        permissions = [("enrol_practice", "Can enrol and un-enrol practices")]

    def __str__(self) -> str:
        return self.name


class PracticeLocation(models.Model):
    """One address of a practice, with the coordinates the directory searches on."""

    class GeocodeSource(models.TextChoices):
        ZIP_CENTROID = "zip_centroid", "ZIP code centroid"
        CITY_CENTROID = "city_centroid", "City centroid"
        GEOCODER = "geocoder", "Street address geocoder"
        MANUAL = "manual", "Entered by hand"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="locations")
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=10, help_text="5-digit ZIP or ZIP+4.")
    phone = models.CharField(max_length=32, blank=True)
    # Every time shown or taken for this location is in this zone (directory.time_zones).
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Visits here are booked and shown in this zone. Left blank, it is taken from the ZIP.",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # The point's unit vector on the sphere (geo.unit_vector), kept with latitude/longitude
    # so a search tests and ranks distance with arithmetic alone (directory.selectors).
    unit_x = models.FloatField(null=True, blank=True, editable=False)
    unit_y = models.FloatField(null=True, blank=True, editable=False)
    unit_z = models.FloatField(null=True, blank=True, editable=False)
    # geo.lat_band(latitude): leads the search index so a search reads only its box.
    lat_band = models.IntegerField(null=True, blank=True, editable=False)
    geocode_source = models.CharField(
        max_length=20, choices=GeocodeSource.choices, default=GeocodeSource.ZIP_CENTROID
    )
    geocoded_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the office last confirmed this listing."
    )

    class Meta:
        ordering = ["practice__name", "city"]
        indexes = [
            # The bounding-box prefilter of every directory search: per latitude band, a
            # longitude range. The unit vector, id and practice ride along so the radius
            # test, and routing's "of an enrolled practice", are answered from the index
            # alone: a city's tens of thousands of locations are never read from the table.
            models.Index(
                fields=["lat_band", "longitude", "latitude", "unit_x", "unit_y", "unit_z", "id", "practice"],
                name="location_band_lng_prac_idx",
            ),
        ]
        constraints = [
            # A located row without its search keys would silently drop out of every search,
            # so writes that bypass save() (bulk_create) and forget coordinates() fail loudly.
            models.CheckConstraint(
                condition=(
                    models.Q(latitude__isnull=True)
                    | models.Q(longitude__isnull=True)
                    | models.Q(
                        # Positional, in migration 0004's order (keywords would be sorted).
                        ("unit_x__isnull", False),
                        ("unit_y__isnull", False),
                        ("unit_z__isnull", False),
                        ("lat_band__isnull", False),
                    )
                ),
                name="location_search_keys_match_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address_line1}, {self.city}, {self.state} {self.postal_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_keys()
        if not self.time_zone:
            self.time_zone = zone_for_address(self.postal_code, self.state)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"latitude", "longitude"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "unit_x", "unit_y", "unit_z", "lat_band"}
        super().save(*args, **kwargs)

    @staticmethod
    def coordinates(latitude: float | None, longitude: float | None) -> dict[str, float | None]:
        """Field values placing a location at a point: latitude, longitude and their search keys.

        For writes that bypass ``save()``: ``PracticeLocation(**PracticeLocation.coordinates(...))``.
        The search keys are the unit vector and the latitude band. Either coordinate None
        gives an unlocated row: no keys, so no search finds it.
        """
        if latitude is None or longitude is None:
            return {
                "latitude": latitude,
                "longitude": longitude,
                **dict.fromkeys(("unit_x", "unit_y", "unit_z", "lat_band")),
            }
        x, y, z = geo.unit_vector(latitude, longitude)
        return {
            "latitude": latitude,
            "longitude": longitude,
            "unit_x": x,
            "unit_y": y,
            "unit_z": z,
            "lat_band": geo.lat_band(latitude),
        }

    def refresh_search_keys(self) -> None:
        """Recompute the search keys from latitude/longitude (none while either is missing)."""
        for name, value in self.coordinates(self.latitude, self.longitude).items():
            setattr(self, name, value)

    @property
    def zip5(self) -> str:
        return self.postal_code[:5]

    def mark_verified(self) -> None:
        self.last_verified_at = timezone.now()


class Provider(models.Model):
    """An individual clinician listed in the directory, identified by NPI."""

    class Sex(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        UNKNOWN = "U", _("Not stated")

    npi = models.CharField(max_length=10, unique=True)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    credential = models.CharField(max_length=50, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    languages = models.ManyToManyField(Language, blank=True, related_name="providers")
    accepting_new_patients = models.BooleanField(default=True)
    procedures = models.ManyToManyField(Procedure, blank=True, related_name="providers")
    conditions = models.ManyToManyField(Condition, blank=True, related_name="providers")
    locations = models.ManyToManyField(PracticeLocation, blank=True, related_name="providers")
    is_listed = models.BooleanField(
        default=True, help_text="Unlisted providers (e.g. deactivated NPIs) leave the directory."
    )
    deactivated_on = models.DateField(null=True, blank=True)
    nppes_last_updated = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)
        return f"{name}, {self.credential}" if self.credential else name


class ListingReport(models.Model):
    """A member of the public saying a directory listing is wrong; the office sees it in the admin."""

    class Problem(models.TextChoices):
        PHONE = "phone", _("The phone number is wrong")
        ADDRESS = "address", _("The address is wrong")
        NOT_ACCEPTING = "not_accepting", _("They are not accepting new patients")
        LEFT_PRACTICE = "left_practice", _("This provider no longer works here")
        PROCEDURES = "procedures", _("The procedures listed are wrong")
        OTHER = "other", _("Something else")

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="listing_reports")
    location = models.ForeignKey(
        PracticeLocation, on_delete=models.SET_NULL, null=True, blank=True, related_name="listing_reports"
    )
    problem = models.CharField(max_length=20, choices=Problem.choices)
    details = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_problem_display()} ({self.provider.npi})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
