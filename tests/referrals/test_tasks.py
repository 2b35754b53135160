"""Background work in embedded mode: tasks run in-process, mail goes to the test outbox."""

from __future__ import annotations

import datetime
import logging
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from directory.models import Practice
from referrals import escalation, notice_emails, notifications, reminders, tasks
from referrals.models import AppointmentReminder, FollowUp, NotificationOutbox, Referral
from tests.referrals.factories import AppointmentFactory, PatientFactory, ReferralFactory, StaffFactory

pytestmark = pytest.mark.django_db

Outbox = NotificationOutbox


def mail_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def test_submitting_a_referral_emails_the_practice_without_the_patients_name(
    submit: Any, near_staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        referral = submit()
    [message] = mail_to(near_staff.practice_memberships.get().practice.referral_inbox_email)
    assert notice_emails.short_reference(referral) in message.subject
    assert "Lopez" not in message.subject and "Maria" not in message.subject
    assert "Lopez" not in message.body
    assert Outbox.objects.get(referral=referral, recipient_kind="practice").status == Outbox.Status.SENT
    assert f"/admin/referrals/referral/{referral.pk}/change/" in message.body


def test_accepting_emails_the_referring_clinician(
    submit: Any, clinician: Any, near_staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from referrals import services

    referral = submit()
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_accept(referral=referral, user=near_staff)
    [message] = mail_to(clinician.email)
    assert "accepted" in message.subject
    assert f"/referrals/{referral.public_id}/" in message.body
    assert "/api/" not in message.body


def test_booking_emails_the_patient_when_an_email_is_on_file(
    submit: Any, near_staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from referrals import services
    from tests.referrals.conftest import referral_request

    patient = dict(referral_request()["patient_data"], email="maria@example.org")
    referral = submit(patient_data=patient)
    services.referral_accept(referral=referral, user=near_staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_schedule(
            referral=referral,
            user=near_staff,
            kind="consult",
            starts_at=timezone.now() + datetime.timedelta(days=5),
        )
    [message] = mail_to("maria@example.org")
    assert message.subject == "Your appointment is booked"
    assert "Consultation" in message.body


def test_a_broker_outage_leaves_the_submission_saved_and_the_sweep_sends_it_once(
    submit: Any, near_staff: Any, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING)
    with (
        mock.patch.object(tasks.deliver_notification, "delay", side_effect=BrokerError("connection refused")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        referral = submit()
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert mail_to(near_staff.practice_memberships.get().practice.referral_inbox_email) == []
    assert "the sweep will deliver them" in caplog.text
    assert "Lopez" not in caplog.text

    assert tasks.deliver_pending_notifications() == 1
    assert tasks.deliver_pending_notifications() == 0
    assert len(mail_to(near_staff.practice_memberships.get().practice.referral_inbox_email)) == 1


def test_delivering_the_same_row_twice_sends_one_email(submit: Any, near_staff: Any) -> None:
    submit()
    row = Outbox.objects.get(recipient_kind="practice")
    assert tasks.deliver_notification(row.pk) is True
    assert tasks.deliver_notification(row.pk) is False
    assert len(mail.outbox) == 1


def test_a_row_claimed_by_a_worker_that_died_is_sent_after_its_lease_runs_out(
    submit: Any, near_staff: Any
) -> None:
    submit()
    row = Outbox.objects.get(recipient_kind="practice")
    assert notifications._claim_batch(10) == [row.pk]  # a worker claims it, then dies
    assert notifications.notifications_deliver_due() == 0
    Outbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert notifications.notifications_deliver_due() == 1
    assert len(mail.outbox) == 1


@override_settings(NOTIFICATION_MAX_ATTEMPTS=3, NOTIFICATION_RETRY_BASE_SECONDS=30)
def test_a_failing_mail_server_is_retried_with_backoff_then_given_up(submit: Any, near_staff: Any) -> None:
    submit()
    row = Outbox.objects.get(recipient_kind="practice")
    waits = []
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=ConnectionRefusedError("smtp down")):
        for _ in range(3):
            Outbox.objects.filter(pk=row.pk).update(next_attempt_at=None)
            assert tasks.deliver_notification(row.pk) is False
            row.refresh_from_db()
            if row.next_attempt_at:
                waits.append(round((row.next_attempt_at - timezone.now()).total_seconds()))
    assert waits == [30, 60]
    assert row.status == Outbox.Status.FAILED
    assert "ConnectionRefusedError" in row.last_error


def test_retry_delay_doubles_up_to_the_ceiling() -> None:
    with override_settings(NOTIFICATION_RETRY_BASE_SECONDS=30, NOTIFICATION_RETRY_MAX_SECONDS=300):
        assert [notifications.retry_delay_seconds(n) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 240, 300]


def test_a_practice_with_no_staff_email_is_flagged_not_retried_forever() -> None:
    referral = ReferralFactory.create()
    row = Outbox.objects.create(
        recipient_kind="practice", recipient_address="", event_kind="routed", referral=referral
    )
    assert tasks.deliver_notification(row.pk) is False
    row.refresh_from_db()
    assert row.status == Outbox.Status.FAILED
    assert "No e-mail address" in row.last_error


# --- Reminders -------------------------------------------------------------------


def booked_in(hours: float, email: str = "pat@example.org") -> Any:
    referral = ReferralFactory.create(
        status=Referral.Status.SCHEDULED, patient=PatientFactory.create(email=email)
    )
    return AppointmentFactory.create(
        referral=referral, starts_at=timezone.now() + datetime.timedelta(hours=hours)
    )


def test_reminders_go_out_48_and_24_hours_before_each_once() -> None:
    appointment = booked_in(47)
    assert reminders.appointment_reminders_queue() == 1
    assert reminders.appointment_reminders_queue() == 0
    later = timezone.now() + datetime.timedelta(hours=24)
    assert reminders.appointment_reminders_queue(now=later) == 1
    assert reminders.appointment_reminders_queue(now=later) == 0
    offsets = sorted(
        AppointmentReminder.objects.filter(appointment=appointment).values_list("hours_before", flat=True)
    )
    assert offsets == [24, 48]
    assert notifications.notifications_deliver_due() == 2
    assert [m.subject for m in mail.outbox] == ["Reminder: your appointment is coming up"] * 2


def test_a_visit_booked_ten_hours_ahead_gets_one_reminder_not_two() -> None:
    booked_in(10)
    assert reminders.appointment_reminders_queue() == 1
    assert AppointmentReminder.objects.get().hours_before == 24


def test_no_reminder_without_a_patient_email_or_far_ahead() -> None:
    booked_in(30, email="")
    booked_in(72)
    assert reminders.appointment_reminders_queue() == 0


def test_reminder_offset_is_the_smallest_window_the_visit_is_in() -> None:
    now = timezone.now()
    due = [
        reminders.reminder_offset_due(starts_at=now + datetime.timedelta(hours=h), now=now, offsets=[48, 24])
        for h in (-1, 5, 24, 25, 48, 49)
    ]
    assert due == [None, 24, 24, 48, 48, None]


# --- Escalation ----------------------------------------------------------------------


def test_a_referral_past_its_deadline_moves_on_once(
    submit: Any, near_practice: Practice, far_practice: Practice
) -> None:
    referral = submit()
    assert referral.practice == near_practice
    Referral.objects.filter(pk=referral.pk).update(
        acceptance_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert escalation.referrals_time_out_overdue() == 1
    assert escalation.referrals_time_out_overdue() == 0
    referral.refresh_from_db()
    assert referral.practice == far_practice
    assert referral.events.filter(kind="timed_out").count() == 1


# --- Digest --------------------------------------------------------------------------


def test_each_practice_gets_one_overdue_follow_up_digest_a_day() -> None:
    staff = StaffFactory.create(username="staff.digest")
    practice = staff.practice_memberships.get().practice
    appointment = AppointmentFactory.create(
        referral=ReferralFactory.create(practice=practice, status="in_treatment")
    )
    FollowUp.objects.create(
        referral=appointment.referral,
        source_appointment=appointment,
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    noon = timezone.localtime().replace(hour=12)
    assert reminders.practice_digests_send(now=noon) == 1
    assert reminders.practice_digests_send(now=noon) == 0
    [message] = mail.outbox
    assert message.to == [staff.email]
    assert "3 day(s) ago" in message.body
    assert "Lopez" not in f"{message.subject} {message.body}"


def test_no_digest_before_the_digest_hour() -> None:
    with override_settings(DIGEST_HOUR=7):
        assert reminders.practice_digests_send(now=timezone.localtime().replace(hour=6)) == 0


# --- Embedded mode and health ------------------------------------------------------


def test_the_background_work_command_delivers_what_is_pending(submit: Any, near_staff: Any) -> None:
    submit()
    out = mock.MagicMock()
    call_command("run_background_work", stdout=out)
    assert "1 notification(s) delivered" in str(out.write.call_args)
    assert len(mail_to(near_staff.practice_memberships.get().practice.referral_inbox_email)) == 1


def test_health_is_ok_in_embedded_mode(client: Any) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["broker"] == "eager"
    assert response.json()["database"] == "ok"


def test_health_is_503_when_a_notification_waits_too_long(client: Any) -> None:
    Outbox.objects.create(
        recipient_kind="clinician",
        recipient_address="dr@example.org",
        event_kind="accepted",
        referral=ReferralFactory.create(),
        created_at=timezone.now() - datetime.timedelta(hours=2),
    )
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["oldest_pending_notification_seconds"] >= 7200
