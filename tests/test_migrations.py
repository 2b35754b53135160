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
