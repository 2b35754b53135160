"""A hand-built set of referrals whose loop metrics the tests work out by hand.

Two practices (Lakeside, Summit), two clinicians, six referrals submitted between January
and June 2026, seen on 30 June 2026 at noon. Timeline events and visits are written
exactly as the referral services write them, at times chosen so every figure is easy to
work out: see the expected figures beside each test.

- R1 (dr.one): Lakeside accepts after 2 h; procedure 10 days in (baseline 8, follow-up visit
  scores 3); completed on day 27.
- R2 (dr.one): Lakeside declines (capacity) after 5 h; Summit accepts at 30 h; a consult on day
  12 is missed; procedure on day 17 (baseline 6); the patient reports pain 5, "about the
  same"; completed on day 64.
- R3 (dr.two): Lakeside times out at 24 h; Summit declines (not offered) at 30 h; unroutable.
- R4 (dr.one): screened as an emergency, sent to emergency care.
- R5 (dr.two): Summit accepts after 10 h; procedure on day 9 with no baseline; completed day 14.
- R6 (dr.two): submitted ten days ago, waiting for Lakeside.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from directory.models import Practice
from referrals.loop_models import PatientReportedOutcome
from referrals.metrics.queries import Period
from referrals.models import Appointment, Referral, ReferralEvent
from tests.directory.factories import PracticeFactory
from tests.referrals.factories import ReferralFactory, StaffFactory, UserFactory

Kind = ReferralEvent.Kind
Status = Referral.Status
NOW = timezone.make_aware(datetime.datetime(2026, 6, 30, 12, 0))
FIRST_HALF_OF_2026 = Period(since=datetime.date(2026, 1, 1), until=datetime.date(2026, 6, 30))


def at(month: int, day: int, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, 0))


@dataclass
class LoopScene:
    lakeside: Practice
    summit: Practice
    dr_one: Any
    dr_two: Any
    lakeside_staff: Any
    summit_staff: Any
    referrals: dict[str, Referral]


def _event(
    referral: Referral, kind: str, when: datetime.datetime, practice: Practice | None, **extra: Any
) -> None:
    ReferralEvent.objects.create(referral=referral, kind=kind, created_at=when, practice=practice, **extra)


def _visit(
    referral: Referral, practice: Practice, kind: str, when: datetime.datetime, status: str, **extra: Any
) -> Appointment:
    return Appointment.objects.create(
        referral=referral, practice=practice, kind=kind, starts_at=when, status=status, **extra
    )


def _referral(clinician: Any, created: datetime.datetime, **fields: Any) -> Referral:
    referral = ReferralFactory.create(clinician=clinician, created_at=created, **fields)
    _event(referral, Kind.SUBMITTED, created, None)
    return referral


def _r1(scene_practices: tuple[Practice, Practice], dr: Any) -> Referral:
    lakeside, _ = scene_practices
    r1 = _referral(dr, at(1, 10), status=Status.COMPLETED, practice=lakeside, pain_score=8)
    _event(r1, Kind.ROUTED, at(1, 10), lakeside)
    _event(r1, Kind.ACCEPTED, at(1, 10, 11), lakeside)
    _visit(r1, lakeside, Appointment.Kind.PROCEDURE, at(1, 20), "fulfilled")
    _visit(r1, lakeside, Appointment.Kind.FOLLOW_UP, at(2, 5), "fulfilled", pain_score=3)
    _event(r1, Kind.COMPLETED, at(2, 6), lakeside)
    return r1


def _r2(scene_practices: tuple[Practice, Practice], dr: Any) -> Referral:
    lakeside, summit = scene_practices
    r2 = _referral(dr, at(1, 15), status=Status.COMPLETED, practice=summit, pain_score=6)
    _event(r2, Kind.ROUTED, at(1, 15), lakeside)
    _event(r2, Kind.DECLINED, at(1, 15, 14), lakeside, reason="capacity")
    _event(r2, Kind.ROUTED, at(1, 15, 14), summit)
    _event(r2, Kind.ACCEPTED, at(1, 16, 15), summit)
    _visit(r2, summit, Appointment.Kind.CONSULT, at(1, 27), "no_show")
    _visit(r2, summit, Appointment.Kind.PROCEDURE, at(2, 1), "fulfilled")
    PatientReportedOutcome.objects.create(
        referral=r2, pain_score=5, global_impression="same", reported_at=at(3, 1)
    )
    _event(r2, Kind.COMPLETED, at(3, 20), summit)
    return r2


def _r3(scene_practices: tuple[Practice, Practice], dr: Any) -> Referral:
    lakeside, summit = scene_practices
    r3 = _referral(dr, at(2, 1), status=Status.UNROUTABLE, practice=None, acceptance_deadline=None)
    _event(r3, Kind.ROUTED, at(2, 1), lakeside)
    _event(r3, Kind.TIMED_OUT, at(2, 2), lakeside)
    _event(r3, Kind.ROUTED, at(2, 2), summit)
    _event(r3, Kind.DECLINED, at(2, 2, 15), summit, reason="not_offered")
    _event(r3, Kind.UNROUTABLE, at(2, 2, 15), None)
    return r3


def _r5(scene_practices: tuple[Practice, Practice], dr: Any) -> Referral:
    _, summit = scene_practices
    r5 = _referral(dr, at(3, 1), status=Status.COMPLETED, practice=summit, pain_score=None)
    _event(r5, Kind.ROUTED, at(3, 1), summit)
    _event(r5, Kind.ACCEPTED, at(3, 1, 19), summit)
    # 10 a.m.: the clocks went forward on 8 March, so this is exactly 9 days (216 h) in.
    _visit(r5, summit, Appointment.Kind.PROCEDURE, at(3, 10, 10), "fulfilled")
    _event(r5, Kind.COMPLETED, at(3, 15), summit)
    return r5


def loop_scene(tag: str = "") -> LoopScene:
    """The scene; a ``tag`` makes another copy of it with practices and people of its own."""
    lakeside = PracticeFactory.create(name=f"Lakeside Spine and Vascular{tag}")
    summit = PracticeFactory.create(name=f"Summit Interventional Radiology{tag}")
    dr_one = UserFactory.create(username=f"dr.one{tag}")
    dr_two = UserFactory.create(username=f"dr.two{tag}")
    practices = (lakeside, summit)
    r4 = _referral(
        dr_one, at(2, 10), status=Status.EMERGENCY_REDIRECT, practice=None, disposition="emergency"
    )
    _event(r4, Kind.EMERGENCY_REDIRECT, at(2, 10), None)
    r6 = _referral(dr_two, at(6, 20), status=Status.PENDING, practice=lakeside)
    _event(r6, Kind.ROUTED, at(6, 20), lakeside)
    return LoopScene(
        lakeside=lakeside,
        summit=summit,
        dr_one=dr_one,
        dr_two=dr_two,
        lakeside_staff=StaffFactory.create(username=f"staff.lakeside{tag}", practice=lakeside),
        summit_staff=StaffFactory.create(username=f"staff.summit{tag}", practice=summit),
        referrals={
            "R1": _r1(practices, dr_one),
            "R2": _r2(practices, dr_one),
            "R3": _r3(practices, dr_two),
            "R4": r4,
            "R5": _r5(practices, dr_two),
            "R6": r6,
        },
    )
