"""Constraints the database itself keeps, whoever writes the rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from referrals.audit import MissingActorError, audit_record
from referrals.models import AppendOnlyError, AuditLogEntry, FollowUp, Referral
from tests.referrals.factories import AppointmentFactory, ReferralFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_referral_needs_a_procedure_or_a_condition() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory.create(requested_procedure=None, suspected_condition=None)


def test_referral_pain_score_above_ten_is_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory.create(pain_score=11)


def test_same_idempotency_key_cannot_make_two_referrals_for_one_clinician() -> None:
    first = ReferralFactory.create(idempotency_key="retry-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralFactory.create(idempotency_key="retry-1", clinician=first.clinician)
    assert ReferralFactory.create(idempotency_key="retry-1").pk  # another clinician may use the same key


def test_public_id_is_a_uuid_not_the_row_number() -> None:
    referral = ReferralFactory.create()
    assert str(referral.public_id) != str(referral.pk)
    assert len(str(referral.public_id)) == 36


def test_two_live_bookings_of_one_practice_slot_are_refused() -> None:
    first = AppointmentFactory.create()
    other = ReferralFactory.create(practice=first.practice, status=Referral.Status.SCHEDULED)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory.create(referral=other, practice=first.practice, starts_at=first.starts_at)


def test_a_cancelled_booking_frees_its_slot() -> None:
    first = AppointmentFactory.create(status="cancelled")
    other = ReferralFactory.create(practice=first.practice, status=Referral.Status.SCHEDULED)
    assert AppointmentFactory.create(referral=other, practice=first.practice, starts_at=first.starts_at).pk


def test_follow_up_is_overdue_once_due_with_no_kept_appointment() -> None:
    procedure = AppointmentFactory.create(kind="procedure", status="fulfilled")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    follow_up = FollowUp.objects.create(
        referral=procedure.referral, source_appointment=procedure, due_on=yesterday
    )
    assert follow_up.is_overdue
    follow_up.appointment = AppointmentFactory.create(
        referral=procedure.referral, kind="follow_up", starts_at=timezone.now() + datetime.timedelta(days=1)
    )
    assert not follow_up.is_overdue
    follow_up.appointment.status = "no_show"
    assert follow_up.is_overdue


def test_audit_entries_cannot_be_edited_or_deleted() -> None:
    referral = ReferralFactory.create()
    entry = audit_record(actor=referral.clinician, action="read", obj=referral)
    entry.detail = "tampered"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditLogEntry.objects.update(detail="tampered")
    assert AuditLogEntry.objects.get().detail == ""


def test_audit_keeps_the_public_id_never_the_patient() -> None:
    referral = ReferralFactory.create()
    entry = audit_record(actor=UserFactory.create(), action="update", obj=referral)
    assert entry.object_id == str(referral.public_id)
    assert entry.object_type == "referrals.referral"


def test_audit_refuses_a_change_without_an_actor() -> None:
    with pytest.raises(MissingActorError):
        audit_record(actor=None, action="update", obj=ReferralFactory.create())
    assert not AuditLogEntry.objects.exists()
