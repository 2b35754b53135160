"""Demo referrals: five enrolled IR offices with staff logins, a coordinator, and referrals in
every status, idempotently.

Everything goes through the same services the API and admin use, so the demo timelines,
notifications and follow-ups look exactly like real ones. Running it again adds nothing:
each demo submission carries a fixed idempotency key and is replayed, not repeated. Every
other demo practice stays un-enrolled, as a directory loaded from NPPES would be.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from demo.directory_data import DEMO_OFFICES
from demo.referral_history import seed_history
from directory.geo import KM_PER_MILE, zip_centroid
from directory.models import Practice, PracticeMembership, Procedure
from directory.practice_search import practices_near
from directory.services import practice_enrol
from referrals import patient_notices, patient_outcomes, services
from referrals.models import Appointment, Patient, Referral
from referrals.roles import coordinator_group, staff_group
from triage.rules import ANSWER_KEYS

__all__ = ["seed_referrals", "staff_group"]

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo login, demo databases only
DEMO_CLINICIANS = ("dr.adams", "dr.baker")
DEMO_COORDINATOR = "coordinator"
DEMO_PROCEDURE = "epidural-steroid-injection"
# Offices whose demo referrals play through every status (the others start empty).
STORY_OFFICES = ("Lakeside", "Summit")
# Far from any demo office, so a referral from there has nowhere to go.
REMOTE_ZIPS = ("99723", "99782", "99791", "96910", "59001")

# Each demo story: the status it ends in and the steps that get it there.
STORIES = ("pending", "accepted", "scheduled", "in_treatment", "completed", "cancelled")


@dataclass
class ReferralSeedSummary:
    created: list[str] = field(default_factory=list)
    staff_created: list[str] = field(default_factory=list)
    outcome_link: str = ""
    # Every demo office login and its practice, created now or before.
    offices: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoOffice:
    practice: Practice
    postal_code: str
    login: str


def answers(*yes: str) -> dict[str, bool]:
    return {key: key in yes for key in ANSWER_KEYS}


def office_login(prefix: str) -> str:
    """The staff login named after a demo office: ``Lakeside`` works as ``staff.lakeside``."""
    return f"staff.{prefix.lower().replace(' ', '')}"


def demo_offices() -> list[DemoOffice]:
    """The demo IR offices present in the directory, Lakeside first (see ``DEMO_OFFICES``)."""
    offices = []
    for postal_code, prefix in sorted(DEMO_OFFICES.items(), key=lambda item: item[1] not in STORY_OFFICES):
        practice = (
            Practice.objects.filter(
                name__startswith=f"{prefix} ", locations__postal_code__startswith=postal_code
            )
            .order_by("id")
            .first()
        )
        if practice is not None:
            offices.append(DemoOffice(practice, postal_code, office_login(prefix)))
    return offices


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
        "sex": (Patient.Sex.FEMALE, Patient.Sex.MALE)[index % 2],
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
    if story == "scheduled":
        services.appointment_schedule(referral=referral, user=staff, kind=kind, starts_at=slot)
        return
    # The procedure was weeks ago: booked and recorded at once, as an office records a visit that happened.
    services.appointment_schedule(
        referral=referral, user=staff, kind=kind, starts_at=slot, outcome="fulfilled", pain_score=3
    )
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


def _office_enrol(office: DemoOffice, group: Any, summary: ReferralSeedSummary) -> Any:
    """The office's staff login, membership, referral inbox and enrolment; returns the login."""
    staff, created = _user(office.login, email=f"{office.login}@irportal.example", is_staff=True)
    if created:
        summary.staff_created.append(office.login)
    staff.groups.add(group)
    PracticeMembership.objects.get_or_create(user=staff, practice=office.practice)
    practice = office.practice
    if not practice.referral_inbox_email:
        practice.referral_inbox_email = f"referrals@{office.login.removeprefix('staff.')}.irportal.example"
        practice.accepting_referrals = True
        practice.save(update_fields=["referral_inbox_email", "accepting_referrals", "updated_at"])
    practice_enrol(practice=practice)
    summary.offices.append((office.login, practice.name))
    return staff


def _coordinator_ensure(summary: ReferralSeedSummary) -> None:
    user, created = _user(DEMO_COORDINATOR, email="coordinator@irportal.example", is_staff=True)
    user.groups.add(coordinator_group())
    if created:
        summary.staff_created.append(DEMO_COORDINATOR)


def _play_stories(office: DemoOffice, office_index: int, staff: Any, clinicians: list[Any]) -> list[str]:
    created = []
    for story_index, story in enumerate(STORIES):
        key = f"demo-{office.login}-{story}"
        submission = _submit(
            clinicians[story_index % 2],
            key,
            office_index * 10 + story_index,
            office.postal_code,
            ["leg_weakness"],
        )
        if submission.created:
            created.append(key)
            slot = _slot(office_index, story_index, story)
            _play(story, submission.referral, staff, clinicians[story_index % 2], slot)
    return created


@transaction.atomic
def seed_referrals() -> ReferralSeedSummary:
    """Enrol the demo offices, create their logins, a coordinator and referrals in every status.

    Needs the demo directory and the demo clinicians (``dr.adams``, ``dr.baker``). Returns
    what was created.
    """
    summary = ReferralSeedSummary()
    clinicians = list(get_user_model().objects.filter(username__in=DEMO_CLINICIANS).order_by("username"))
    offices = demo_offices()
    _coordinator_ensure(summary)
    if len(clinicians) < 2 or not offices:
        return summary
    group = staff_group()
    staff = [_office_enrol(office, group, summary) for office in offices]
    story_offices = offices[: len(STORY_OFFICES)]
    for office_index, office in enumerate(story_offices):
        summary.created += _play_stories(office, office_index, staff[office_index], clinicians)
    summary.created += _seed_extras(clinicians[0], offices[0].postal_code)
    summary.created += seed_history(
        [(office.practice, office.postal_code) for office in story_offices],
        staff[: len(story_offices)],
        clinicians,
        submit=_submit,
    )
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
    referral = Referral.objects.filter(
        idempotency_key=f"demo-{office_login(STORY_OFFICES[0])}-completed"
    ).first()
    if referral is None:
        return ""
    invite = referral.outcome_invites.first() or patient_outcomes.outcome_invite_create(referral=referral)
    return patient_notices.outcome_link(invite) if invite.is_usable() else ""


def _remote_zip() -> str | None:
    origin_ok = [code for code in REMOTE_ZIPS if zip_centroid(code) is not None]
    radius_km = float(settings.REFERRAL_ROUTING_RADIUS_MILES) * KM_PER_MILE
    for code in origin_ok:
        origin = zip_centroid(code)
        assert origin is not None
        found = practices_near(
            origin=origin,
            radius_km=radius_km,
            procedure=DEMO_PROCEDURE,
            receiving_only=True,
        )
        if not found:
            return code
    return None
