"""Two workers racing on the same due reminders and deadlines: each happens once."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from referrals import tasks
from referrals.models import AppointmentReminder, Referral, ReferralEvent
from tests.referrals.factories import AppointmentFactory, PatientFactory, ReferralFactory
from tests.services.conftest import RedisServer, Scene, Workers, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

APPOINTMENTS = 12
OVERDUE = 8


def test_racing_workers_send_each_reminder_once_and_move_each_overdue_referral_once(
    workers: Workers, scene: Scene, redis_server: RedisServer, mail: Callable[[], list[dict[str, Any]]]
) -> None:
    near = scene.near_staff.practice_memberships.get().practice
    for n in range(APPOINTMENTS):
        referral = ReferralFactory.create(
            status=Referral.Status.SCHEDULED,
            practice=near,
            patient=PatientFactory.create(email=f"pat{n}@example.org"),
        )
        AppointmentFactory.create(
            referral=referral, starts_at=timezone.now() + datetime.timedelta(hours=20, minutes=n)
        )
    overdue = [
        ReferralFactory.create(
            clinician=scene.clinician,
            practice=near,
            acceptance_deadline=timezone.now() - datetime.timedelta(minutes=5),
        )
        for _ in range(OVERDUE)
    ]
    workers.start(concurrency=2)
    workers.start(concurrency=2)
    for _ in range(6):  # as if beat had fired on several hosts at once
        tasks.queue_appointment_reminders.delay()
        tasks.time_out_overdue_referrals.delay()

    def reminders_delivered() -> list[dict[str, Any]]:
        return [m for m in mail() if m["subject"].startswith("Reminder")]

    wait_for(lambda: len(reminders_delivered()) >= APPOINTMENTS, what="every reminder")
    wait_for(lambda: redis_server.queue_length() == 0, what="the queue to drain")
    time.sleep(2)  # let the last racers finish

    assert AppointmentReminder.objects.count() == APPOINTMENTS
    per_patient = Counter(address for m in reminders_delivered() for address in m["to"])
    assert sorted(per_patient.values()) == [1] * APPOINTMENTS
    timed_out = Counter(
        ReferralEvent.objects.filter(kind=ReferralEvent.Kind.TIMED_OUT).values_list("referral_id", flat=True)
    )
    assert timed_out == dict.fromkeys((r.pk for r in overdue), 1)
    far = scene.far_staff.practice_memberships.get().practice
    assert set(
        Referral.objects.filter(pk__in=[r.pk for r in overdue]).values_list("practice", flat=True)
    ) == {far.pk}
    told = [m for m in mail() if scene.clinician.email in m["to"] and "not answered in time" in m["subject"]]
    assert len(told) == OVERDUE
