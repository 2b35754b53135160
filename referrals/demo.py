"""Demo referrals: two IR offices with staff logins, and referrals in every status, idempotently.

Everything goes through the same services the API and admin use, so the demo timelines,
notifications and follow-ups look exactly like real ones. Running it again adds nothing:
each demo submission carries a fixed idempotency key and is replayed, not repeated.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from directory.geo import KM_PER_MILE, zip_centroid
from directory.models import Practice, PracticeLocation, Procedure
from directory.selectors import practices_near
from referrals import notifications, patient_outcomes, services
from referrals.demo_history import seed_history
from referrals.models import Appointment, PracticeMembership, Referral
from triage.rules import ANSWER_KEYS

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo login, demo databases only
DEMO_STAFF = ("staff.lakeside", "staff.summit")
DEMO_CLINICIANS = ("dr.adams", "dr.baker")
STAFF_GROUP = "IR office staff"
DEMO_PROCEDURE = "epidural-steroid-injection"
# Far from any demo practice, so a referral from there has nowhere to go.
REMOTE_ZIPS = ("99723", "99782", "99791", "96910")

# What office staff need in the admin: work referrals and visits, keep their listing current.
STAFF_PERMISSIONS = {
    "referrals": [
        "view_referral",
        "change_referral",
        "view_referralevent",
        "view_appointment",
        "add_appointment",
        "change_appointment",
        "view_followup",
        "change_followup",
        "view_patient",
    ],
    "directory": [
        "view_practice",
        "change_practice",
        "view_practicelocation",
        "change_practicelocation",
        "view_provider",
        "change_provider",
        "view_listingreport",
        "change_listingreport",
    ],
}

# Each demo story: the status it ends in and the steps that get it there.
STORIES = ("pending", "accepted", "scheduled", "in_treatment", "completed", "cancelled")


@dataclass
class ReferralSeedSummary:
    created: list[str] = field(default_factory=list)
    staff_created: list[str] = field(default_factory=list)
    outcome_link: str = ""


def answers(*yes: str) -> dict[str, bool]:
    return {key: key in yes for key in ANSWER_KEYS}


def staff_group() -> Group:
    """The group holding the admin permissions every IR office staff member needs."""
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codenames in STAFF_PERMISSIONS.items()
        for codename in codenames
    ]
    group.permissions.add(*wanted)
    return group


def _nearest_unique(postal_code: str) -> Practice | None:
    """The practice routing would pick from this ZIP when no other is equally near; else None."""
    origin = zip_centroid(postal_code)
    if origin is None:
        return None
    radius_km = float(settings.REFERRAL_ROUTING_RADIUS_MILES) * KM_PER_MILE
    hits = practices_near(origin=origin, radius_km=radius_km, procedure=DEMO_PROCEDURE)
    if not hits or (len(hits) > 1 and hits[1].distance_km - hits[0].distance_km < 0.1):
        return None
    return hits[0].practice


def demo_offices(limit: int = 400) -> list[tuple[Practice, str]]:
    """Two practices in different states, each the clear nearest choice from its own ZIP."""
    offices: list[tuple[Practice, str]] = []
    states: set[str] = set()
    locations = (
        PracticeLocation.objects.filter(
            latitude__isnull=False,
            practice__accepting_referrals=True,
            providers__procedures__slug=DEMO_PROCEDURE,
        )
        .select_related("practice")
        .order_by("id")
        .distinct()[:limit]
    )
    for location in locations:
        if location.state in states:
            continue
        practice = _nearest_unique(location.zip5)
        if practice is not None and all(practice != chosen for chosen, _ in offices):
            offices.append((practice, location.zip5))
            states.add(location.state)
        if len(offices) == 2:
            break
    # staff.lakeside works at a "Lakeside" practice when the demo directory has one.
    return sorted(offices, key=lambda office: "lakeside" not in office[0].name.lower())


def _user(username: str, **fields: Any) -> tuple[Any, bool]:
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is not None:
        return user, False
    return user_model.objects.create_user(username=username, password=DEMO_PASSWORD, **fields), True


def _patient(index: int, postal_code: str) -> dict[str, Any]:
    first = ("Maria", "James", "Aisha", "Robert", "Mei", "Daniel", "Olga", "Luis", "Grace", "Tom")
    last = ("Lopez", "Carter", "Okafor", "Nguyen", "Schmidt", "Rossi", "Haddad", "Kim", "Moreau", "Walsh")
    return {
        "first_name": first[index % len(first)],
        "last_name": last[(index * 3) % len(last)],
        "birth_date": datetime.date(1950 + (index * 7) % 40, 1 + index % 12, 1 + index % 27),
        "sex": ("F", "M")[index % 2],
        "phone": f"555-01{index:02d}",
        "email": "",
        "postal_code": postal_code,
    }


def _submit(clinician: Any, key: str, index: int, postal_code: str, flags: Iterable[str]) -> Any:
    return services.referral_submit(
        clinician=clinician,
        patient_data=_patient(index, postal_code),
        triage_data={"pain_duration_weeks": 4 + index % 10, "answers": answers(*flags)},
        requested_procedure=Procedure.objects.get(slug=DEMO_PROCEDURE),
        suspected_condition=None,
        clinical_question="Lumbar radicular pain despite six weeks of physiotherapy; "
        "would an epidural steroid injection help?",
        pain_score=5 + index % 5,
        imaging_summary="MRI lumbar spine: disc protrusion with nerve root contact.",
        idempotency_key=key,
        fingerprint=f"demo:{key}",
    )


def _play(story: str, referral: Referral, staff: Any, clinician: Any, slot: datetime.datetime) -> None:
    """Move a fresh pending referral along until it reaches the story's status."""
    if story == "cancelled":
        services.referral_cancel(
            referral=referral, user=clinician, reason="Symptoms settled with physiotherapy."
        )
        return
    if story == "pending":
        return
    services.referral_accept(referral=referral, user=staff)
    if story == "accepted":
        return
    kind = Appointment.Kind.CONSULT if story == "scheduled" else Appointment.Kind.PROCEDURE
    visit = services.appointment_schedule(referral=referral, user=staff, kind=kind, starts_at=slot)
    if story == "scheduled":
        return
    services.appointment_record_visit(appointment=visit, user=staff, status="fulfilled", pain_score=3)
    if story == "completed":
        services.referral_complete(
            referral=referral,
            user=staff,
            outcome_summary="L5 transforaminal epidural steroid injection done; pain 7/10 to 3/10 "
            "at two weeks. Continue physiotherapy; refer back if pain returns.",
        )


def _slot(practice_index: int, story_index: int, story: str) -> datetime.datetime:
    """A distinct slot per demo visit: future for booked consults, weeks ago for procedures done."""
    day = timezone.localdate() + datetime.timedelta(days=3 + story_index)
    if story in ("in_treatment", "completed"):
        day = timezone.localdate() - datetime.timedelta(days=20 + 10 * story_index)
    hour = 9 + practice_index * 3 + story_index % 3
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@transaction.atomic
def seed_referrals() -> ReferralSeedSummary:
    """Create the demo staff logins and referrals in every status; returns what was created.

    Needs the demo directory and the demo clinicians (``dr.adams``, ``dr.baker``).
    """
    summary = ReferralSeedSummary()
    user_model = get_user_model()
    clinicians = list(user_model.objects.filter(username__in=DEMO_CLINICIANS).order_by("username"))
    offices = demo_offices()
    if len(clinicians) < 2 or len(offices) < 2:
        return summary
    group = staff_group()
    staff_members = []
    for practice_index, ((practice, postal_code), username) in enumerate(
        zip(offices, DEMO_STAFF, strict=True)
    ):
        staff, created = _user(username, email=f"{username}@irportal.example", is_staff=True)
        if created:
            summary.staff_created.append(username)
        staff.groups.add(group)
        staff_members.append(staff)
        PracticeMembership.objects.get_or_create(user=staff, practice=practice)
        for story_index, story in enumerate(STORIES):
            clinician = clinicians[story_index % 2]
            key = f"demo-{username}-{story}"
            submission = _submit(
                clinician, key, practice_index * 10 + story_index, postal_code, ["leg_weakness"]
            )
            if submission.created:
                summary.created.append(key)
                _play(story, submission.referral, staff, clinician, _slot(practice_index, story_index, story))
    summary.created += _seed_extras(clinicians[0], offices[0][1])
    summary.created += seed_history(offices, staff_members, clinicians, submit=_submit)
    summary.outcome_link = demo_outcome_link()
    return summary


def _seed_extras(clinician: Any, postal_code: str) -> list[str]:
    """An emergency and an unroutable demo referral; returns the keys made now."""
    extras: list[tuple[str, list[str], str | None]] = [
        ("demo-emergency", ["saddle_numbness", "bladder_bowel_difficulty"], postal_code),
        ("demo-unroutable", ["leg_numbness_tingling"], _remote_zip()),
    ]
    return [
        key
        for key, flags, zip_code in extras
        if zip_code and _submit(clinician, key, 40, zip_code, flags).created
    ]


def demo_outcome_link() -> str:
    """The demo patient's outcome link (Lakeside's completed demo referral), made once.

    Empty once it has been used or has expired: the answer is then on the referral.
    """
    referral = Referral.objects.filter(idempotency_key=f"demo-{DEMO_STAFF[0]}-completed").first()
    if referral is None:
        return ""
    invite = referral.outcome_invites.first() or patient_outcomes.outcome_invite_create(referral=referral)
    return notifications.outcome_link(invite) if invite.is_usable() else ""


def _remote_zip() -> str | None:
    origin_ok = [code for code in REMOTE_ZIPS if zip_centroid(code) is not None]
    radius_km = float(settings.REFERRAL_ROUTING_RADIUS_MILES) * KM_PER_MILE
    for code in origin_ok:
        origin = zip_centroid(code)
        assert origin is not None
        if not practices_near(origin=origin, radius_km=radius_km, procedure=DEMO_PROCEDURE):
            return code
    return None
