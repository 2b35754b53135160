"""The models and the migrations describe the same schema."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_models_need_no_migration_that_has_not_been_written() -> None:
    out = io.StringIO()

    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"makemigrations would write new migrations (exit {exit_.code}):\n{out.getvalue()}")

    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_moving_practice_membership_into_the_directory_keeps_who_works_where() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("directory", "0008_drop_search_listing"), ("referrals", "0003_patient_outcomes")]
    after = [("directory", "0009_practice_enrolment"), ("referrals", "0004_membership_moves_to_directory")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="staff.lakeside")
    practice = old.get_model("directory", "Practice").objects.create(name="Lakeside")
    old.get_model("referrals", "PracticeMembership").objects.create(user=user, practice=practice)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    moved = new.get_model("directory", "PracticeMembership").objects.values_list("user_id", "practice_id")
    assert list(moved) == [(user.pk, practice.pk)]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_patients_stored_with_one_letter_sex_codes_read_as_fhir_codes_after_migrating() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("referrals", "0007_patient_language")]
    after = [("referrals", "0008_patient_sex_fhir_codes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    patients = old.get_model("referrals", "Patient").objects
    for letter in "FMXU":
        patients.create(first_name=letter, last_name="Doe", birth_date="1970-01-01", sex=letter, phone="1")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    stored = dict(new.get_model("referrals", "Patient").objects.values_list("first_name", "sex"))
    assert stored == {"F": "female", "M": "male", "X": "other", "U": "unknown"}

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_audit_entries_written_before_the_hash_chain_are_chained_by_its_migration() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before = [("referrals", "0008_patient_sex_fhir_codes")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    reader = old.get_model("auth", "User").objects.create(username="dr.adams")
    old.get_model("referrals", "AuditLogEntry").objects.bulk_create(
        old.get_model("referrals", "AuditLogEntry")(
            actor=reader, action="read", object_type="referrals.referral", object_id=str(n), at=timezone.now()
        )
        for n in range(3)
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    out = io.StringIO()
    call_command("verify_audit_log", stdout=out)
    assert out.getvalue() == "The audit log is intact: 3 entries, every link checked.\n"
