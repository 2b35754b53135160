"""JSON in and out of the referral API. Shapes and types only: the rules live in the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory.models import Condition, Practice, PracticeLocation, Procedure, Provider
from referrals.access import ANOTHER_PRACTICE, allowed_actions, sees_every_practice
from referrals.models import Appointment, FollowUp, Patient, Referral, ReferralEvent
from referrals.selectors import referral_latest_shortlist
from referrals.services import patient_input_errors
from triage.serializers import RejectUnknownKeysMixin, ScreeningSerializer, StrictIntegerField

EMERGENCY_MESSAGE = (
    "The red-flag screening points to an emergency (for example possible cauda equina or spinal "
    "cord compression). Send the patient to the emergency department now; do not wait for an "
    "IR appointment. This referral has been recorded but not sent to an IR practice."
)


# What a visit can be recorded as (booked and cancelled are not outcomes).
VISIT_OUTCOME_CHOICES = [
    (value, label)
    for value, label in Appointment.Status.choices
    if value in (Appointment.Status.ARRIVED, Appointment.Status.FULFILLED, Appointment.Status.NO_SHOW)
]


def pain_score_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(
        min_value=0,
        max_value=10,
        error_messages={
            "min_value": "Pain score must be a whole number from 0 to 10.",
            "max_value": "Pain score must be a whole number from 0 to 10.",
        },
        help_text="0 (no pain) to 10 (worst imaginable).",
        **kwargs,
    )


class CatalogSlugField(serializers.SlugRelatedField[Any]):
    """A catalog slug; text no slug can hold is unknown before it reaches the database."""

    def to_internal_value(self, data: Any) -> Any:
        # PostgreSQL refuses NUL in text parameters with an error, not an empty result.
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


def catalog_field(model: type[Procedure] | type[Condition], what: str) -> CatalogSlugField:
    return CatalogSlugField(
        slug_field="slug",
        queryset=model.objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": f"Unknown {what} slug '{{value}}'; see /api/v1/{what}s/."},
        help_text=f"A {what} slug from /api/v1/{what}s/.",
    )


# --- Submission ----------------------------------------------------------------


class PatientInSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField(help_text="YYYY-MM-DD. The age used for triage comes from it.")
    sex = serializers.ChoiceField(choices=Patient.Sex.choices)
    phone = serializers.CharField(max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=10, help_text="The patient's 5-digit US ZIP code.")
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        default="en",
        help_text="The language of the patient's notices and outcome page (en or es).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors = patient_input_errors(attrs, today=timezone.localdate())
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReferralCreateSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    """``POST /api/v1/referrals/``: the patient, the red-flag screening and the question."""

    patient = PatientInSerializer()
    triage = ScreeningSerializer(
        help_text="The red-flag screening, as POST /api/v1/triage/assessments/ takes it (without age)."
    )
    requested_procedure = catalog_field(Procedure, "procedure")
    suspected_condition = catalog_field(Condition, "condition")
    clinical_question = serializers.CharField(max_length=4000)
    pain_score = pain_score_field(required=False, allow_null=True, default=None)
    imaging_summary = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("requested_procedure") is None and attrs.get("suspected_condition") is None:
            raise serializers.ValidationError(
                {"requested_procedure": ["Name a requested procedure or a suspected condition (or both)."]}
            )
        return attrs


# --- Output --------------------------------------------------------------------------


class LocationOutSerializer(serializers.ModelSerializer[PracticeLocation]):
    address = serializers.CharField(source="address_line1")

    class Meta:
        model = PracticeLocation
        fields = ["id", "address", "city", "state", "postal_code", "phone"]


class PracticeOutSerializer(serializers.Serializer):
    """The practice a referral is with, how far it is from the patient and where."""

    id = serializers.IntegerField(source="practice.pk")
    name = serializers.CharField(source="practice.name")
    phone = serializers.CharField(source="practice.phone")
    distance_mi = serializers.FloatField(source="practice_distance_mi", allow_null=True)
    location = LocationOutSerializer(source="practice_location", allow_null=True)


class ShortlistEntrySerializer(serializers.Serializer):
    practice_id = serializers.IntegerField()
    practice_name = serializers.CharField()
    location_id = serializers.IntegerField(allow_null=True)
    address = serializers.CharField(help_text="The candidate location's street, city, state and ZIP.")
    distance_mi = serializers.FloatField()
    open_workload = serializers.IntegerField(help_text="Open referrals (pending, accepted, scheduled).")


class _ReferralBaseSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text="Opaque referral id used in URLs.")
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    disposition = serializers.CharField(help_text="Triage result: emergency, urgent, soon or self_care.")
    practice = serializers.SerializerMethodField()
    acceptance_deadline = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(PracticeOutSerializer(allow_null=True))
    def get_practice(self, referral: Referral) -> dict[str, Any] | None:
        if referral.practice_id is None:
            return None
        return dict(PracticeOutSerializer(referral).data)


class ReferralSubmittedSerializer(_ReferralBaseSerializer):
    """The answer to a submission: where it went and why."""

    shortlist = serializers.SerializerMethodField(help_text="Ranked candidates of the latest routing.")
    message = serializers.SerializerMethodField(help_text="Set for emergencies: what to do now.")

    @extend_schema_field(ShortlistEntrySerializer(many=True))
    def get_shortlist(self, referral: Referral) -> list[dict[str, Any]]:
        return referral_latest_shortlist(referral)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_message(self, referral: Referral) -> str | None:
        return EMERGENCY_MESSAGE if referral.status == Referral.Status.EMERGENCY_REDIRECT else None


class NextAppointmentSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices)


class PatientNameSerializer(serializers.ModelSerializer[Patient]):
    class Meta:
        model = Patient
        fields = ["first_name", "last_name"]


class ReferralListItemSerializer(_ReferralBaseSerializer):
    patient = PatientNameSerializer()
    created_at = serializers.DateTimeField()
    next_appointment = serializers.SerializerMethodField()

    @extend_schema_field(NextAppointmentSerializer(allow_null=True))
    def get_next_appointment(self, referral: Referral) -> dict[str, Any] | None:
        starts_at = getattr(referral, "next_appointment_at", None)
        if starts_at is None:
            return None
        return {"starts_at": starts_at, "kind": referral.next_appointment_kind}  # type: ignore[attr-defined]


class PatientOutSerializer(serializers.ModelSerializer[Patient]):
    class Meta:
        model = Patient
        fields = ["first_name", "last_name", "birth_date", "sex", "phone", "email", "postal_code", "language"]


class EventOutSerializer(serializers.ModelSerializer[ReferralEvent]):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.SerializerMethodField(help_text="Who acted; null when the portal itself did.")
    practice = serializers.CharField(source="practice.name", allow_null=True, default=None)
    shortlist = ShortlistEntrySerializer(many=True)

    class Meta:
        model = ReferralEvent
        fields = [
            "at",
            "kind",
            "from_status",
            "to_status",
            "actor",
            "practice",
            "reason",
            "comment",
            "shortlist",
        ]

    def get_actor(self, event: ReferralEvent) -> str | None:
        if event.actor is None:
            return None
        return event.actor.get_full_name() or event.actor.get_username()

    def to_representation(self, event: ReferralEvent) -> dict[str, Any]:
        """The event; for office staff (``office_view`` in the context) without other practices'
        names, people, reasons, comments or the shortlist's workloads."""
        data = dict(super().to_representation(event))
        if self.context.get("office_view"):
            data["shortlist"] = []
            if event.practice_id is not None and event.practice_id != self.context["current_practice_id"]:
                data.update(practice=ANOTHER_PRACTICE, actor=None, reason="", comment="")
        return data


class AppointmentOutSerializer(serializers.ModelSerializer[Appointment]):
    provider = serializers.CharField(source="provider.display_name", allow_null=True, default=None)
    location = LocationOutSerializer(allow_null=True)
    procedure_performed: serializers.SlugRelatedField[Procedure] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "kind",
            "starts_at",
            "status",
            "provider",
            "location",
            "pain_score",
            "procedure_performed",
        ]


class FollowUpOutSerializer(serializers.ModelSerializer[FollowUp]):
    is_overdue = serializers.BooleanField()
    appointment: serializers.PrimaryKeyRelatedField[Appointment] = serializers.PrimaryKeyRelatedField(
        read_only=True
    )

    class Meta:
        model = FollowUp
        fields = ["kind", "due_on", "is_overdue", "appointment"]


class TriageOutSerializer(serializers.Serializer):
    disposition = serializers.CharField()
    reasons = serializers.ListField(child=serializers.DictField())
    ruleset_version = serializers.CharField()


class ReferralDetailSerializer(_ReferralBaseSerializer):
    """One referral with everything both sides may know: timeline, visits, follow-ups, outcome."""

    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    patient = PatientOutSerializer()
    clinician = serializers.SerializerMethodField()
    triage = TriageOutSerializer(source="assessment")
    requested_procedure = serializers.CharField(
        source="requested_procedure.slug", allow_null=True, default=None
    )
    suspected_condition = serializers.CharField(
        source="suspected_condition.slug", allow_null=True, default=None
    )
    clinical_question = serializers.CharField()
    pain_score = serializers.IntegerField(allow_null=True)
    imaging_summary = serializers.CharField()
    outcome_summary = serializers.CharField()
    appointments = AppointmentOutSerializer(many=True)
    follow_ups = FollowUpOutSerializer(many=True)
    timeline = EventOutSerializer(many=True, source="events")
    allowed_actions = serializers.SerializerMethodField()

    def to_representation(self, referral: Referral) -> dict[str, Any]:
        # Nested event serializers read these from the shared context.
        self.context["office_view"] = not sees_every_practice(self.context["user"], referral)
        self.context["current_practice_id"] = referral.practice_id
        return dict(super().to_representation(referral))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, referral: Referral) -> list[str]:
        return allowed_actions(referral, self.context["user"])

    def get_clinician(self, referral: Referral) -> str:
        return referral.clinician.get_full_name() or referral.clinician.get_username()


class AllowedActionsSerializer(serializers.Serializer):
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="Actions this user may take now."
    )


# --- Actions ----------------------------------------------------------------------


class EmptyActionSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    """Accept takes no fields."""


class DeclineSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReferralEvent.Reason.choices)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ScheduleSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    kind = serializers.ChoiceField(choices=Appointment.Kind.choices)
    starts_at = serializers.DateTimeField(help_text="ISO 8601 with a UTC offset.")
    provider = serializers.SlugRelatedField(
        slug_field="npi",
        queryset=Provider.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The provider's NPI.",
    )
    location = serializers.PrimaryKeyRelatedField(
        queryset=PracticeLocation.objects.all(), required=False, allow_null=True, default=None
    )
    outcome = serializers.ChoiceField(
        choices=VISIT_OUTCOME_CHOICES,
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Only for a visit that already happened: how it went. A starts_at in the past is "
            "refused without it, and one still to come is refused with it."
        ),
    )
    pain_score = pain_score_field(required=False, allow_null=True, default=None)


class RecordVisitSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    appointment = serializers.IntegerField(help_text="The appointment id from the referral's appointments.")
    status = serializers.ChoiceField(choices=VISIT_OUTCOME_CHOICES)
    pain_score = pain_score_field(required=False, allow_null=True, default=None)


class CompleteSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    outcome_summary = serializers.CharField(max_length=4000)


class CancelSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RouteByHandSerializer(RejectUnknownKeysMixin, serializers.Serializer):
    practice = serializers.PrimaryKeyRelatedField(queryset=Practice.objects.all())
