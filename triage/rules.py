"""Red-flag screening for low back pain: which answers mean "go now", "go soon" or "look after it at home".

Pure Python on purpose (no Django): the rules are the clinical heart of the portal and must be
checkable exhaustively, in milliseconds, without a database.

The rule table (``RULES``) is the single place the screening logic lives. Rules are checked in
order and the first one that matches decides the disposition; a rule may over-triage, it must
never under-triage. Every answer is required: a missing answer is an error, never a silent "no".

This file is longer than the project's 400-line limit on purpose: most of it is data (the rule
table, each rule with its explanation and source, and the questions that collect the answers
it reads), and a clinician reviewing the screening should find the questions, every rule and
the few lines that apply them on one page (docs/triage.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogs; the pages translate it where they show it.

    Django's marker of the same name, defined here so the rules stay free of Django.
    """
    return message


# Bump whenever a rule, threshold or piece of advice changes: stored assessments keep the
# version they were judged by, so an old result can always be explained.
RULESET_VERSION = "2025.1"

ANSWER_KEYS: tuple[str, ...] = (
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

# Not a question: derived from the age the person gives, and reported like a flag.
AGE_70_OR_OLDER = "age_70_or_older"
OLDER_AGE_THRESHOLD = 70

RISK_FACTORS: frozenset[str] = frozenset(
    {
        "recent_trauma",
        "cancer_history",
        "osteoporosis",
        "iv_drug_use",
        "immunosuppressant_use",
        "bone_thinning_medication",
        "unexplained_weight_loss",
        "fever",
    }
)
LEG_SYMPTOMS: frozenset[str] = frozenset({"leg_weakness", "leg_numbness_tingling", "leg_spasms_stiffness"})


class Disposition(StrEnum):
    """What the person should do, from most to least pressing."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    SOON = "soon"
    SELF_CARE = "self_care"

    @property
    def severity(self) -> int:
        """3 for emergency down to 0 for self-care: higher is more pressing."""
        return _SEVERITY[self]

    @property
    def label(self) -> str:
        """A short human name for lists and admin screens."""
        return _LABELS[self]


_SEVERITY = {
    Disposition.EMERGENCY: 3,
    Disposition.URGENT: 2,
    Disposition.SOON: 1,
    Disposition.SELF_CARE: 0,
}
_LABELS = {
    Disposition.EMERGENCY: "Emergency: now",
    Disposition.URGENT: "Urgent: within 24-48 hours",
    Disposition.SOON: "Soon: within 1-2 weeks",
    Disposition.SELF_CARE: "Self-care",
}


@dataclass(frozen=True)
class Reason:
    """One flag that led to the result, with a line on why it matters."""

    flag: str
    explanation: str


@dataclass(frozen=True)
class TriageResult:
    disposition: Disposition
    reasons: tuple[Reason, ...]
    advice: tuple[str, ...]
    ruleset_version: str


@dataclass(frozen=True)
class Rule:
    """Matches when every group in ``all_of`` has at least one flag present.

    ``all_of=(RISK_FACTORS, LEG_SYMPTOMS)`` reads "any risk factor together with any leg symptom".
    """

    name: str
    disposition: Disposition
    all_of: tuple[frozenset[str], ...]
    source: str

    def flags_matched(self, present: frozenset[str]) -> frozenset[str]:
        """The present flags that make this rule match, or an empty set when it does not match."""
        hits = [group & present for group in self.all_of]
        if not all(hits):
            return frozenset()
        return frozenset().union(*hits)


def _only(flag: str) -> tuple[frozenset[str], ...]:
    return (frozenset({flag}),)


_SOURCE_CAUDA_EQUINA = (
    "NICE NG59 and NICE CKS Low back pain: suspected cauda equina syndrome needs emergency referral; "
    "ACP/APS 2007 red flags (Chou, Ann Intern Med 147:478)"
)
_SOURCE_PROGRESSIVE_DEFICIT = (
    "ACP/APS 2007 (Chou, Ann Intern Med 147:478): severe or progressive neurological deficits need "
    "prompt evaluation; NICE CKS Low back pain"
)
_SOURCE_CORD_COMPRESSION = (
    "NICE CG75 (metastatic spinal cord compression: cancer with neurological symptoms is an "
    "oncological emergency); ACR Appropriateness Criteria Low Back Pain (2021)"
)
_SOURCE_INFECTION = (
    "ACR Appropriateness Criteria Low Back Pain (2021): suspected infection (fever or weight loss with "
    "IV drug use or immunosuppression); ACP/APS 2007 (Chou, Ann Intern Med 147:478)"
)
_SOURCE_PATIENT_PAGE = (
    "Patient page on low back pain and IR treatments: red-flag symptoms and risk factors; "
    "ACP/APS 2007 (Chou, Ann Intern Med 147:478); ACR Appropriateness Criteria Low Back Pain (2021)"
)

# Checked top to bottom; the first match decides. docs/triage.md is the contract for this table.
RULES: tuple[Rule, ...] = (
    Rule(
        "bladder_or_bowel_difficulty",
        Disposition.EMERGENCY,
        _only("bladder_bowel_difficulty"),
        _SOURCE_CAUDA_EQUINA,
    ),
    Rule("saddle_numbness", Disposition.EMERGENCY, _only("saddle_numbness"), _SOURCE_CAUDA_EQUINA),
    Rule(
        "weakness_getting_worse",
        Disposition.EMERGENCY,
        _only("weakness_getting_worse"),
        _SOURCE_PROGRESSIVE_DEFICIT,
    ),
    Rule(
        "risk_factor_with_leg_symptom",
        Disposition.EMERGENCY,
        (RISK_FACTORS, LEG_SYMPTOMS),
        _SOURCE_CORD_COMPRESSION,
    ),
    Rule(
        "possible_spinal_infection",
        Disposition.EMERGENCY,
        (
            frozenset({"fever", "unexplained_weight_loss"}),
            frozenset({"iv_drug_use", "immunosuppressant_use"}),
        ),
        _SOURCE_INFECTION,
    ),
    Rule("risk_factor", Disposition.URGENT, (RISK_FACTORS,), _SOURCE_PATIENT_PAGE),
    Rule("leg_weakness", Disposition.URGENT, _only("leg_weakness"), _SOURCE_PATIENT_PAGE),
    Rule("leg_spasms_or_stiffness", Disposition.URGENT, _only("leg_spasms_stiffness"), _SOURCE_PATIENT_PAGE),
    Rule("leg_numbness_or_tingling", Disposition.SOON, _only("leg_numbness_tingling"), _SOURCE_PATIENT_PAGE),
    Rule("age_70_or_older", Disposition.SOON, _only(AGE_70_OR_OLDER), _SOURCE_PATIENT_PAGE),
)

# Why each flag matters, in a line a patient can read.
EXPLANATIONS: dict[str, str] = {
    "recent_trauma": gettext_noop(
        "A hard fall or blow can break a bone in the spine, even when the pain seems ordinary."
    ),
    "cancer_history": gettext_noop(
        "Cancer can spread to the spine, and back pain may be the first sign of it."
    ),
    "osteoporosis": gettext_noop("Thin, weak bones can break in the spine with little or no injury."),
    "iv_drug_use": gettext_noop("Injecting drugs raises the risk of an infection in or near the spine."),
    "immunosuppressant_use": gettext_noop(
        "Medicines that weaken the immune system make spine infections more likely."
    ),
    "bone_thinning_medication": (
        gettext_noop(
            "Some medicines, such as long-term steroid tablets, thin the bones "
            "so the spine breaks more easily."
        )
    ),
    "unexplained_weight_loss": gettext_noop(
        "Losing weight without trying can be a sign of cancer or a lasting infection."
    ),
    "fever": gettext_noop("Fever with back pain can mean an infection in the spine."),
    "leg_weakness": gettext_noop("Weak legs can mean a nerve from the spine is being pinched or damaged."),
    "leg_numbness_tingling": gettext_noop(
        "Numbness or tingling in the legs can mean a nerve from the spine is irritated."
    ),
    "leg_spasms_stiffness": gettext_noop(
        "Strong leg spasms or stiffness can mean the spinal cord or nerves are squeezed."
    ),
    "bladder_bowel_difficulty": (
        gettext_noop(
            "Trouble controlling the bladder or bowels can mean the nerves at the base of the spine are "
            "badly squeezed (cauda equina syndrome), which needs treatment within hours."
        )
    ),
    "saddle_numbness": (
        gettext_noop(
            "Numbness between the legs or around the bottom can mean the nerves at the base of the spine "
            "are badly squeezed (cauda equina syndrome), which needs treatment within hours."
        )
    ),
    "weakness_getting_worse": (
        gettext_noop(
            "Weakness that keeps getting worse means a nerve or the spinal cord is losing function and "
            "needs treatment now to avoid lasting damage."
        )
    ),
    AGE_70_OR_OLDER: gettext_noop(
        "From age 70, back pain is more often caused by a fracture, cancer or infection."
    ),
}

# Short names for lists of reasons ("Fever", "Age 70 or older").
FLAG_NAMES: dict[str, str] = {
    "recent_trauma": gettext_noop("Recent hard fall or injury"),
    "cancer_history": gettext_noop("History of cancer"),
    "osteoporosis": gettext_noop("Osteoporosis (thin bones)"),
    "iv_drug_use": gettext_noop("Injecting drugs"),
    "immunosuppressant_use": gettext_noop("Medicines that weaken the immune system"),
    "bone_thinning_medication": gettext_noop("Medicines that thin the bones"),
    "unexplained_weight_loss": gettext_noop("Weight loss without trying"),
    "fever": gettext_noop("Fever"),
    "leg_weakness": gettext_noop("Leg weakness"),
    "leg_numbness_tingling": gettext_noop("Numbness or tingling in the legs"),
    "leg_spasms_stiffness": gettext_noop("Strong spasms or stiffness in the legs"),
    "bladder_bowel_difficulty": gettext_noop("Trouble controlling bladder or bowels"),
    "saddle_numbness": gettext_noop("Numbness between the legs or around the bottom"),
    "weakness_getting_worse": gettext_noop("Weakness getting worse"),
    AGE_70_OR_OLDER: gettext_noop("Age 70 or older"),
}

_SAFETY_NET = gettext_noop(
    "If you get trouble controlling your bladder or bowels, numbness between your legs or around your "
    "bottom, or leg weakness that keeps getting worse, go to an emergency department or call 911 at once."
)
_STAY_ACTIVE = gettext_noop(
    "Keep as active as you can: staying in bed tends to slow healing and can make the pain worse."
)
_SELF_CARE_STEPS = (
    _STAY_ACTIVE,
    gettext_noop(
        "Heat and massage can ease the pain; some people also find acupuncture or chiropractic care helps."
    ),
    gettext_noop(
        "Over-the-counter anti-inflammatory medicines, such as ibuprofen or naproxen, may help. "
        "Follow the directions on the package."
    ),
    gettext_noop("A physical therapist can treat your back and show you exercises that relieve the pain."),
)

ADVICE: dict[Disposition, tuple[str, ...]] = {
    Disposition.EMERGENCY: (
        gettext_noop("Go to an emergency department now, or call 911."),
        gettext_noop(
            "Do not wait for an appointment. If you cannot get there safely, call 911 instead of driving."
        ),
        gettext_noop("Tell the staff which warning signs you have and when they started."),
    ),
    Disposition.URGENT: (
        gettext_noop("See a doctor within 24 to 48 hours."),
        gettext_noop(
            "Call your primary care doctor today and say you have back pain with a warning sign. "
            "If they cannot see you within two days, go to an urgent care clinic."
        ),
        _SAFETY_NET,
    ),
    Disposition.SOON: (
        gettext_noop("Book a visit with your doctor within 1 to 2 weeks."),
        gettext_noop(
            "Your primary care doctor can examine you and decide whether you need a scan or a specialist, "
            "such as an interventional radiologist (IR)."
        ),
        _STAY_ACTIVE,
        _SAFETY_NET,
    ),
    Disposition.SELF_CARE: (
        gettext_noop(
            "You can look after your back at home for now: most low back pain gets better on its own."
        ),
        *_SELF_CARE_STEPS,
        gettext_noop(
            "If you are not better in about 6 weeks, see a doctor. An interventional radiologist (IR) "
            "may then offer a minimally invasive treatment guided by imaging."
        ),
        _SAFETY_NET,
    ),
}
# Past this point self-care alone has had its chance: the advice turns to seeing a doctor.
SELF_CARE_DOCTOR_VISIT_WEEKS = 6
_LONG_LASTING_PAIN_ADVICE: tuple[str, ...] = (
    gettext_noop(
        "Book a visit with your doctor: your answers show no warning signs, but your pain has lasted "
        "6 weeks or more."
    ),
    gettext_noop(
        "An interventional radiologist (IR) may be able to offer "
        "a minimally invasive, image-guided treatment."
    ),
    *_SELF_CARE_STEPS,
    _SAFETY_NET,
)


@dataclass(frozen=True)
class Question:
    """How a flag is asked on a form: in plain words, with help that explains medical terms."""

    key: str
    group: str
    text: str
    help: str = ""


@dataclass(frozen=True)
class QuestionGroup:
    slug: str
    legend: str
    keys: tuple[str, ...]


QUESTION_GROUPS: tuple[QuestionGroup, ...] = (
    QuestionGroup(
        "history",
        gettext_noop("Injuries and health history"),
        ("recent_trauma", "cancer_history", "osteoporosis"),
    ),
    QuestionGroup(
        "medicines",
        gettext_noop("Medicines and drugs"),
        ("iv_drug_use", "immunosuppressant_use", "bone_thinning_medication"),
    ),
    QuestionGroup("general", gettext_noop("How you feel in general"), ("unexplained_weight_loss", "fever")),
    QuestionGroup(
        "legs",
        gettext_noop("Your legs"),
        ("leg_weakness", "leg_numbness_tingling", "leg_spasms_stiffness"),
    ),
    QuestionGroup(
        "warning_signs",
        gettext_noop("Bladder, bowels and nerves"),
        ("bladder_bowel_difficulty", "saddle_numbness", "weakness_getting_worse"),
    ),
)

_QUESTION_TEXT: dict[str, tuple[str, str]] = {
    "recent_trauma": (
        gettext_noop("Did your back pain start after a recent hard fall, car crash or other strong blow?"),
        gettext_noop("A high-impact injury, not an everyday strain such as lifting or twisting."),
    ),
    "cancer_history": (
        gettext_noop("Have you ever had cancer?"),
        gettext_noop("Any cancer, even if it was treated years ago."),
    ),
    "osteoporosis": (
        gettext_noop("Have you been told you have osteoporosis?"),
        gettext_noop("Osteoporosis means thin, weak bones that break easily."),
    ),
    "iv_drug_use": (
        gettext_noop("Do you inject drugs, or have you injected drugs recently?"),
        gettext_noop(
            "IV (intravenous) drug use means injecting drugs into a vein. Your answer stays private."
        ),
    ),
    "immunosuppressant_use": (
        gettext_noop("Do you take medicines that weaken your immune system?"),
        gettext_noop(
            "Immunosuppressants, for example after an organ transplant, for rheumatoid arthritis, "
            "or chemotherapy for cancer."
        ),
    ),
    "bone_thinning_medication": (
        gettext_noop("Do you take medicines that can make your bones thinner?"),
        gettext_noop("For example steroid tablets such as prednisone taken for 3 months or longer."),
    ),
    "unexplained_weight_loss": (
        gettext_noop("Have you lost weight recently without trying?"),
        gettext_noop("Losing weight without dieting or a change in exercise."),
    ),
    "fever": (
        gettext_noop("Do you have a fever?"),
        gettext_noop("A temperature of 100.4 °F (38 °C) or higher, or feeling hot with chills and sweats."),
    ),
    "leg_weakness": (
        gettext_noop("Are one or both of your legs weak?"),
        gettext_noop("For example, your foot drags or your leg gives way when you walk."),
    ),
    "leg_numbness_tingling": (
        gettext_noop("Do you have numbness or tingling in your legs?"),
        gettext_noop("Pins and needles, or parts of a leg or foot that feel dead."),
    ),
    "leg_spasms_stiffness": (
        gettext_noop("Do you have strong spasms or stiffness in your legs?"),
        gettext_noop(
            "Muscles in your legs that tighten hard on their own, or legs that feel stiff and hard to move."
        ),
    ),
    "bladder_bowel_difficulty": (
        gettext_noop("Do you have new trouble controlling your bladder or bowels?"),
        gettext_noop(
            "Trouble starting to pee, not being able to pee, leaking urine or stool, or not feeling "
            "when you need to go."
        ),
    ),
    "saddle_numbness": (
        gettext_noop("Is the skin between your legs or around your bottom numb?"),
        gettext_noop(
            "Called saddle numbness: the area that would touch a saddle, such as your inner thighs, "
            "genitals or buttocks, feels numb or different when you wipe."
        ),
    ),
    "weakness_getting_worse": (
        gettext_noop("Is weakness in your legs or feet getting worse?"),
        gettext_noop("Weakness that is spreading or getting stronger over hours or days."),
    ),
}

QUESTIONS: dict[str, Question] = {
    key: Question(key=key, group=group.slug, text=_QUESTION_TEXT[key][0], help=_QUESTION_TEXT[key][1])
    for group in QUESTION_GROUPS
    for key in group.keys
}


def check_answers(answers: Mapping[str, object]) -> None:
    """Raise ValueError naming the key unless ``answers`` holds exactly the 14 keys, each a real bool."""
    missing = [key for key in ANSWER_KEYS if key not in answers]
    if missing:
        raise ValueError(f"Missing answers: {', '.join(missing)}.")
    unknown = sorted(set(answers) - set(ANSWER_KEYS))
    if unknown:
        raise ValueError(f"Unknown answer keys: {', '.join(unknown)}.")
    not_bool = [key for key in ANSWER_KEYS if not isinstance(answers[key], bool)]
    if not_bool:
        raise ValueError(f"Answers must be True or False: {', '.join(not_bool)}.")


def present_flags(*, age: int, answers: Mapping[str, bool]) -> frozenset[str]:
    """The flags answered yes, plus ``age_70_or_older`` when it applies."""
    flags = {key for key in ANSWER_KEYS if answers[key]}
    if age >= OLDER_AGE_THRESHOLD:
        flags.add(AGE_70_OR_OLDER)
    return frozenset(flags)


def advice_for(disposition: Disposition, *, pain_duration_weeks: int) -> tuple[str, ...]:
    """What to do, first line first; self-care advice changes once the pain has lasted 6 weeks."""
    if disposition is Disposition.SELF_CARE and pain_duration_weeks >= SELF_CARE_DOCTOR_VISIT_WEEKS:
        return _LONG_LASTING_PAIN_ADVICE
    return ADVICE[disposition]


_FLAG_ORDER = {flag: index for index, flag in enumerate((*ANSWER_KEYS, AGE_70_OR_OLDER))}


def _decide(present: frozenset[str]) -> tuple[Disposition, set[str]]:
    """The first matching rule's disposition, and the flags of every matching rule with that disposition."""
    disposition = Disposition.SELF_CARE
    deciding: set[str] = set()
    for rule in RULES:
        if deciding and rule.disposition is not disposition:
            break
        flags = rule.flags_matched(present)
        if flags:
            disposition = rule.disposition
            deciding |= flags
    return disposition, deciding


def assess_red_flags(*, age: int, pain_duration_weeks: int, answers: Mapping[str, bool]) -> TriageResult:
    """Screen the answers against ``RULES``.

    Returns the disposition of the first matching rule (self-care when none match), the flags of
    every rule with that disposition that matched (in question order), and the advice for it.
    Raises ValueError when an answer is missing, unknown or not a bool, or age/duration is negative.
    """
    check_answers(answers)
    if isinstance(age, bool) or not isinstance(age, int) or age < 0:
        raise ValueError("age must be a whole number of years, 0 or more.")
    if (
        isinstance(pain_duration_weeks, bool)
        or not isinstance(pain_duration_weeks, int)
        or pain_duration_weeks < 0
    ):
        raise ValueError("pain_duration_weeks must be a whole number of weeks, 0 or more.")

    disposition, deciding = _decide(present_flags(age=age, answers=answers))
    reasons = tuple(
        Reason(flag=flag, explanation=EXPLANATIONS[flag])
        for flag in sorted(deciding, key=_FLAG_ORDER.__getitem__)
    )
    return TriageResult(
        disposition=disposition,
        reasons=reasons,
        advice=advice_for(disposition, pain_duration_weeks=pain_duration_weeks),
        ruleset_version=RULESET_VERSION,
    )
