"""Template filters writing a referral's times in its practice's zone (referrals.local_time)."""

from __future__ import annotations

import datetime

from django import template

from directory.time_zones import format_day
from referrals import local_time
from referrals.models import Appointment, Referral

register = template.Library()


@register.filter
def at_practice(moment: datetime.datetime | None, referral: Referral) -> str:
    """``{{ referral.acceptance_deadline|at_practice:referral }}``: "Mon 7 Dec 2026, 10:00 CST"."""
    return local_time.at_practice(moment, referral)


@register.filter
def visit_time(appointment: Appointment) -> str:
    """``{{ visit|visit_time }}``: when the visit starts, in its location's zone."""
    return local_time.visit_time(appointment)


@register.filter
def day(value: datetime.date | None) -> str:
    """``{{ follow_up.due_on|day }}``: "7 Dec 2026"."""
    return "-" if value is None else format_day(value)
