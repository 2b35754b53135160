"""Every loop metric on the hand-built scene (tests/referrals/loop_scene.py), worked out by hand.

The scene has six referrals: every rate is over fewer than 10 and says so.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.metrics.figures import Rate
from referrals.metrics.queries import Period, Scope
from referrals.metrics.report import LoopReport, loop_report, report_rows
from tests.referrals.loop_scene import FIRST_HALF_OF_2026, NOW, LoopScene, loop_scene

pytestmark = pytest.mark.django_db

HOUR = 1.0
DAY = 24.0


@pytest.fixture
def scene() -> LoopScene:
    return loop_scene()


def report_for(scope: Scope) -> LoopReport:
    return loop_report(scope, FIRST_HALF_OF_2026, now=NOW)


def test_the_whole_portal_counts_every_referral_move_and_emergency(scene: LoopScene) -> None:
    report = report_for(Scope("All practices"))

    assert report.received == 6
    assert report.emergencies == Rate(1, 6)  # R4
    assert report.accepted_first == Rate(2, 5)  # R1, R5 of the five sent on to IR
    assert report.moved_on == Rate(2, 5)  # R2 (declined), R3 (timed out, then declined)
    assert report.moves == 3


def test_waits_are_the_median_and_90th_percentile_of_submission_to_acceptance_and_first_visit(
    scene: LoopScene,
) -> None:
    report = report_for(Scope("All practices"))

    assert report.accept_hours == (2 * HOUR, 10 * HOUR, 30 * HOUR)  # R1, R5, R2
    assert report.first_visit_hours == (9 * DAY, 10 * DAY, 12 * DAY)  # R5, R1, R2's missed consult
    rows = {measure: value for _, measure, value in report_rows(report)}
    assert rows["Submission to acceptance, median (3 accepted)"] == "10.0 h"
    assert rows["Submission to acceptance, 90th percentile"] == "30.0 h"
    assert rows["Submission to first appointment, median (3 booked)"] == "10.0 days"
    assert rows["Submission to first appointment, 90th percentile"] == "12.0 days"


def test_loop_closure_counts_referrals_old_enough_and_those_still_open_past_90_days(scene: LoopScene) -> None:
    report = report_for(Scope("All practices"))

    # R6 is ten days old: too young for any window. R1 closed on day 27, R5 day 14, R2 day 64.
    assert report.closed_within == {30: Rate(2, 4), 60: Rate(2, 4), 90: Rate(3, 4)}
    assert report.open_past_90 == Rate(1, 4)  # R3, unroutable since February


def test_no_shows_decline_reasons_and_closure_by_quarter(scene: LoopScene) -> None:
    report = report_for(Scope("All practices"))

    assert report.no_shows == Rate(1, 5)  # R2's consult, of five visits that fell due
    assert report.decline_reasons == [("capacity", 1), ("not_offered", 1)]
    assert [(q.label, q.closed) for q in report.quarters] == [
        ("2026 Q1", Rate(3, 4)),  # R1, R2, R5 completed, R3 not; R4 went to emergency care, not counted
        ("2026 Q2", Rate(0, 1)),  # R6
    ]


def test_outcomes_compare_the_baseline_with_the_latest_score_after_the_procedure(scene: LoopScene) -> None:
    (outcome,) = report_for(Scope("All practices")).outcomes

    assert outcome.procedure == "Epidural steroid injection"
    assert outcome.done == 3  # R1, R2, R5
    assert outcome.no_baseline == 1  # R5
    assert outcome.no_follow_up == 0
    assert sorted(outcome.changes) == [
        -5,
        -1,
    ]  # R1 8 -> 3 (a follow-up visit), R2 6 -> 5 (the patient's report)
    assert outcome.mean_change == -3.0
    assert outcome.improved == Rate(1, 2)  # 5 points and 62% is meaningful; 1 point is not
    assert outcome.patient_better == Rate(0, 1)  # R2's patient said "about the same"


def test_a_practice_sees_the_referrals_offered_to_it_and_only_the_steps_it_took(scene: LoopScene) -> None:
    report = report_for(Scope("Lakeside", practice_id=scene.lakeside.pk))

    assert report.received == 4  # R1, R2, R3, R6
    assert report.emergencies == Rate(0, 4)
    assert report.accepted_first == Rate(1, 4)  # R1
    assert report.moved_on == Rate(2, 4)  # R2 declined, R3 timed out
    assert report.moves == 2
    assert report.accept_hours == (2 * HOUR,)
    assert report.first_visit_hours == (10 * DAY,)  # R2's visits were at Summit
    assert report.closed_within == {30: Rate(1, 3), 60: Rate(1, 3), 90: Rate(1, 3)}
    assert report.open_past_90 == Rate(0, 3)  # R3 is open, but no longer with Lakeside
    assert report.no_shows == Rate(0, 2)
    assert report.decline_reasons == [("capacity", 1)]
    assert [(o.done, o.changes, o.improved) for o in report.outcomes] == [(1, (-5,), Rate(1, 1))]


def test_the_second_practice_gets_credit_for_what_it_accepted_after_a_move(scene: LoopScene) -> None:
    report = report_for(Scope("Summit", practice_id=scene.summit.pk))

    assert report.received == 3  # R2, R3, R5
    assert report.accepted_first == Rate(2, 3)  # R2 and R5: Summit never passed them on
    assert report.moved_on == Rate(1, 3)  # R3
    assert report.accept_hours == (10 * HOUR, 30 * HOUR)
    assert report.first_visit_hours == (9 * DAY, 12 * DAY)
    assert report.closed_within == {30: Rate(1, 3), 60: Rate(1, 3), 90: Rate(2, 3)}
    assert report.no_shows == Rate(1, 3)
    assert report.decline_reasons == [("not_offered", 1)]
    (outcome,) = report.outcomes
    assert (outcome.done, outcome.no_baseline, outcome.changes) == (2, 1, (-1,))


def test_a_clinician_sees_the_referrals_they_made(scene: LoopScene) -> None:
    report = report_for(Scope("dr.one", clinician_id=scene.dr_one.pk))

    assert report.received == 3  # R1, R2, R4
    assert report.emergencies == Rate(1, 3)
    assert report.accepted_first == Rate(1, 2)
    assert report.moved_on == Rate(1, 2)
    assert report.moves == 1


def test_a_period_leaves_out_referrals_submitted_outside_it(scene: LoopScene) -> None:
    march = loop_report(Scope("All"), Period(FIRST_HALF_OF_2026.since.replace(month=3), NOW.date()), now=NOW)

    assert march.received == 2  # R5, R6


def test_practices_side_by_side_show_each_practices_own_steps(scene: LoopScene) -> None:
    report = loop_report(Scope("All"), FIRST_HALF_OF_2026, now=NOW, side_by_side=True)

    assert report.practices == [
        {
            "name": "Lakeside Spine and Vascular",
            "offered": 4,
            "accepted": 1,
            "moved_on": 2,
            "completed": 1,
            "held": 2,
            "no_shows": 0,
        },
        {
            "name": "Summit Interventional Radiology",
            "offered": 3,
            "accepted": 2,
            "moved_on": 1,
            "completed": 2,
            "held": 3,
            "no_shows": 1,
        },
    ]


def test_rates_over_fewer_than_ten_referrals_are_shown_with_their_count_not_as_a_percentage(
    scene: LoopScene,
) -> None:
    rows = {measure: value for _, measure, value in report_rows(report_for(Scope("All")))}

    assert rows["Accepted by the first practice offered"] == "2 of 5 (too few for a rate)"
    assert str(Rate(7, 10)) == "70% (7 of 10)"


def test_the_report_takes_the_same_number_of_queries_whatever_the_volume(scene: LoopScene) -> None:
    with CaptureQueriesContext(connection) as small:
        loop_report(Scope("All"), FIRST_HALF_OF_2026, now=NOW, side_by_side=True)
    for copy in range(3):
        loop_scene(tag=f"copy{copy}")
    with CaptureQueriesContext(connection) as large:
        report = loop_report(Scope("All"), FIRST_HALF_OF_2026, now=NOW, side_by_side=True)

    assert report.received == 24
    assert len(small) == len(large) == 8


def test_a_referral_that_could_not_be_delivered_counts_as_a_move(scene: LoopScene) -> None:
    from referrals.models import ReferralEvent

    ReferralEvent.objects.create(
        referral=scene.referrals["R6"], kind="delivery_failed", created_at=NOW, practice=scene.lakeside
    )

    report = report_for(Scope("Lakeside", practice_id=scene.lakeside.pk))

    assert report.moved_on == Rate(3, 4)  # R2 declined, R3 timed out, R6 not delivered
    assert report.moves == 3
