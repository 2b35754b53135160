"""The red-flag rules against their contract in docs/triage.md, checked without a database."""

from __future__ import annotations

import functools
import itertools

import pytest

from tests.triage.factories import answers_with
from triage.rules import (
    ANSWER_KEYS,
    QUESTION_GROUPS,
    QUESTIONS,
    RULES,
    RULESET_VERSION,
    Disposition,
    TriageResult,
    assess_red_flags,
)

# An independent reading of docs/triage.md's table, written out by hand so a slip in the rule
# table cannot hide itself by also being in the oracle.
ORACLE_RISK_FACTORS = {
    "recent_trauma",
    "cancer_history",
    "osteoporosis",
    "iv_drug_use",
    "immunosuppressant_use",
    "bone_thinning_medication",
    "unexplained_weight_loss",
    "fever",
}
ORACLE_LEG_SYMPTOMS = {"leg_weakness", "leg_numbness_tingling", "leg_spasms_stiffness"}
ALWAYS_EMERGENCY = {"bladder_bowel_difficulty", "saddle_numbness", "weakness_getting_worse"}
SEVERITY = {"emergency": 3, "urgent": 2, "soon": 1, "self_care": 0}
AGES = (18, 69, 70, 95)


def oracle(age: int, yes: set[str]) -> str:
    if yes & ALWAYS_EMERGENCY:
        return "emergency"
    if yes & ORACLE_RISK_FACTORS and yes & ORACLE_LEG_SYMPTOMS:
        return "emergency"
    if yes & {"fever", "unexplained_weight_loss"} and yes & {"iv_drug_use", "immunosuppressant_use"}:
        return "emergency"
    if yes & ORACLE_RISK_FACTORS or yes & {"leg_weakness", "leg_spasms_stiffness"}:
        return "urgent"
    if "leg_numbness_tingling" in yes or age >= 70:
        return "soon"
    return "self_care"


@functools.cache
def every_result() -> tuple[tuple[int, frozenset[str], TriageResult], ...]:
    """The rules' verdict on all 2^14 answer sets at each test age, computed once for this module."""
    results = []
    for age in AGES:
        for values in itertools.product((False, True), repeat=len(ANSWER_KEYS)):
            answers = dict(zip(ANSWER_KEYS, values, strict=True))
            yes = frozenset(key for key, value in answers.items() if value)
            results.append((age, yes, assess_red_flags(age=age, pain_duration_weeks=1, answers=answers)))
    return tuple(results)


def test_the_keys_are_the_fourteen_in_design_order() -> None:
    assert ANSWER_KEYS == (
        "recent_trauma",
        "cancer_history",
        "osteoporosis",
        "iv_drug_use",
        "immunosuppressant_use",
        "bone_thinning_medication",
        "unexplained_weight_loss",
        "fever",
        "leg_weakness",
        "leg_numbness_tingling",
        "leg_spasms_stiffness",
        "bladder_bowel_difficulty",
        "saddle_numbness",
        "weakness_getting_worse",
    )


def test_all_answer_combinations_at_four_ages_are_checked() -> None:
    assert len(every_result()) == 4 * 2**14


def test_no_answer_combination_at_any_age_is_milder_than_the_table() -> None:
    milder = [
        (age, sorted(yes), result.disposition)
        for age, yes, result in every_result()
        if SEVERITY[result.disposition] < SEVERITY[oracle(age, set(yes))]
    ]

    assert milder == []


def test_every_combination_with_bladder_bowel_saddle_numbness_or_worsening_weakness_is_emergency() -> None:
    not_emergency = [
        (age, sorted(yes), result.disposition)
        for age, yes, result in every_result()
        if yes & ALWAYS_EMERGENCY
        and (
            result.disposition != Disposition.EMERGENCY
            or not yes & ALWAYS_EMERGENCY <= {reason.flag for reason in result.reasons}
        )
    ]

    assert not_emergency == []


def test_every_combination_matches_the_table_exactly_and_gives_its_reasons() -> None:
    mismatches = []
    for age, yes, result in every_result():
        flags = {reason.flag for reason in result.reasons}
        reasons_ok = flags <= yes | {"age_70_or_older"} and (
            bool(flags) == (result.disposition != Disposition.SELF_CARE)
        )
        if result.disposition != oracle(age, set(yes)) or not reasons_ok:
            mismatches.append((age, sorted(yes), result.disposition, sorted(flags)))

    assert mismatches == []


SINGLE_KEY_DISPOSITIONS = {
    "recent_trauma": "urgent",
    "cancer_history": "urgent",
    "osteoporosis": "urgent",
    "iv_drug_use": "urgent",
    "immunosuppressant_use": "urgent",
    "bone_thinning_medication": "urgent",
    "unexplained_weight_loss": "urgent",
    "fever": "urgent",
    "leg_weakness": "urgent",
    "leg_numbness_tingling": "soon",
    "leg_spasms_stiffness": "urgent",
    "bladder_bowel_difficulty": "emergency",
    "saddle_numbness": "emergency",
    "weakness_getting_worse": "emergency",
}


@pytest.mark.parametrize(("key", "expected"), sorted(SINGLE_KEY_DISPOSITIONS.items()))
def test_each_key_answered_yes_alone_gives_its_disposition_and_names_itself(key: str, expected: str) -> None:
    result = assess_red_flags(age=40, pain_duration_weeks=2, answers=answers_with(key))

    assert result.disposition == expected
    assert [reason.flag for reason in result.reasons] == [key]
    assert result.reasons[0].explanation


@pytest.mark.parametrize(
    ("yes", "expected"),
    [
        # any risk factor together with any leg symptom
        (("cancer_history", "leg_weakness"), "emergency"),
        (("recent_trauma", "leg_numbness_tingling"), "emergency"),
        (("osteoporosis", "leg_spasms_stiffness"), "emergency"),
        (("bone_thinning_medication", "leg_numbness_tingling"), "emergency"),
        # fever or weight loss together with IV drug use or immunosuppressants
        (("fever", "iv_drug_use"), "emergency"),
        (("fever", "immunosuppressant_use"), "emergency"),
        (("unexplained_weight_loss", "iv_drug_use"), "emergency"),
        (("unexplained_weight_loss", "immunosuppressant_use"), "emergency"),
        # risk factors that do not pair up stay urgent
        (("fever", "unexplained_weight_loss"), "urgent"),
        (("iv_drug_use", "immunosuppressant_use"), "urgent"),
        (("cancer_history", "osteoporosis"), "urgent"),
        # leg symptoms without a risk factor
        (("leg_weakness", "leg_spasms_stiffness"), "urgent"),
        (("leg_numbness_tingling",), "soon"),
        ((), "self_care"),
    ],
)
def test_the_combinations_named_in_the_table(yes: tuple[str, ...], expected: str) -> None:
    result = assess_red_flags(age=40, pain_duration_weeks=2, answers=answers_with(*yes))

    assert result.disposition == expected
    assert {reason.flag for reason in result.reasons} == set(yes)


def test_age_69_with_no_flags_is_self_care_but_70_is_soon() -> None:
    at_69 = assess_red_flags(age=69, pain_duration_weeks=2, answers=answers_with())
    at_70 = assess_red_flags(age=70, pain_duration_weeks=2, answers=answers_with())

    assert at_69.disposition == Disposition.SELF_CARE
    assert at_69.reasons == ()
    assert at_70.disposition == Disposition.SOON
    assert [reason.flag for reason in at_70.reasons] == ["age_70_or_older"]


def test_an_emergency_lists_only_the_answers_that_made_it_one() -> None:
    result = assess_red_flags(
        age=50, pain_duration_weeks=1, answers=answers_with("saddle_numbness", "osteoporosis")
    )

    assert result.disposition == Disposition.EMERGENCY
    assert [reason.flag for reason in result.reasons] == ["saddle_numbness"]


def test_an_urgent_result_does_not_list_a_milder_flag_as_its_reason() -> None:
    result = assess_red_flags(
        age=75, pain_duration_weeks=1, answers=answers_with("leg_weakness", "leg_numbness_tingling")
    )

    assert result.disposition == Disposition.URGENT
    assert [reason.flag for reason in result.reasons] == ["leg_weakness"]


def test_advice_opens_with_what_to_do_for_each_disposition() -> None:
    first_lines = {
        disposition: assess_red_flags(age=40, pain_duration_weeks=1, answers=answers_with(*yes)).advice[0]
        for disposition, yes in [
            ("emergency", ("saddle_numbness",)),
            ("urgent", ("fever",)),
            ("soon", ("leg_numbness_tingling",)),
            ("self_care", ()),
        ]
    }

    assert "emergency department" in first_lines["emergency"]
    assert "911" in first_lines["emergency"]
    assert "24 to 48 hours" in first_lines["urgent"]
    assert "1 to 2 weeks" in first_lines["soon"]
    assert "at home" in first_lines["self_care"]


def test_self_care_advice_covers_staying_active_heat_massage_medicines_therapy_and_six_weeks() -> None:
    advice = " ".join(assess_red_flags(age=40, pain_duration_weeks=1, answers=answers_with()).advice)

    for words in ("active", "bed", "Heat", "massage", "anti-inflammatory", "physical therapist", "6 weeks"):
        assert words in advice


def test_self_care_after_six_weeks_of_pain_says_to_book_a_doctor_first() -> None:
    five = assess_red_flags(age=40, pain_duration_weeks=5, answers=answers_with())
    six = assess_red_flags(age=40, pain_duration_weeks=6, answers=answers_with())

    assert five.disposition == six.disposition == Disposition.SELF_CARE
    assert "at home" in five.advice[0]
    assert six.advice[0].startswith("Book a visit with your doctor")


def test_a_missing_answer_is_an_error_naming_it_never_a_no() -> None:
    answers = answers_with()
    del answers["saddle_numbness"]

    with pytest.raises(ValueError, match="saddle_numbness"):
        assess_red_flags(age=40, pain_duration_weeks=1, answers=answers)


def test_an_unknown_answer_key_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="back_hurts"):
        assess_red_flags(age=40, pain_duration_weeks=1, answers={**answers_with(), "back_hurts": True})


@pytest.mark.parametrize("not_a_bool", [0, 1, "false", "no", None])
def test_an_answer_that_is_not_a_real_boolean_is_an_error(not_a_bool: object) -> None:
    answers: dict[str, object] = {**answers_with(), "fever": not_a_bool}

    with pytest.raises(ValueError, match="fever"):
        assess_red_flags(age=40, pain_duration_weeks=1, answers=answers)  # type: ignore[arg-type]


def test_every_rule_names_its_source_and_every_key_has_a_question_in_one_group() -> None:
    assert all(rule.source.strip() for rule in RULES)
    grouped = [key for group in QUESTION_GROUPS for key in group.keys]
    assert sorted(grouped) == sorted(ANSWER_KEYS)
    assert all(QUESTIONS[key].text.endswith("?") and QUESTIONS[key].help for key in ANSWER_KEYS)


def test_results_carry_the_ruleset_version_and_dispositions_compare_by_severity() -> None:
    result = assess_red_flags(age=40, pain_duration_weeks=1, answers=answers_with())

    assert result.ruleset_version == RULESET_VERSION
    assert (
        Disposition.EMERGENCY.severity
        > Disposition.URGENT.severity
        > Disposition.SOON.severity
        > Disposition.SELF_CARE.severity
    )
