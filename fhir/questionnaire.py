"""The portal's red-flag screening as a FHIR ``Questionnaire`` (docs/fhir-referrals.md).

Each red-flag item's ``linkId`` is the answer key of ``/api/v1/triage/assessments/``
(docs/triage.md); the two number items are the pain duration in weeks and the baseline
pain score. A referral's ``QuestionnaireResponse`` answers it.
"""

from __future__ import annotations

from typing import Any

from fhir.catalog import canonical
from triage.rules import ANSWER_KEYS, QUESTIONS

QUESTIONNAIRE_ID = "low-back-pain-red-flags"
PAIN_DURATION = "pain_duration_weeks"
PAIN_SCORE = "pain_score"
NUMBER_ITEMS: dict[str, tuple[str, int, int | None, bool]] = {
    # linkId: (question, lowest, highest, required)
    PAIN_DURATION: ("How many weeks has the back pain lasted?", 0, None, True),
    PAIN_SCORE: ("Baseline pain score, 0 (none) to 10 (worst imaginable).", 0, 10, False),
}
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def questionnaire_url() -> str:
    return canonical(f"Questionnaire/{QUESTIONNAIRE_ID}")


def _number_item(link_id: str) -> dict[str, Any]:
    text, lowest, highest, required = NUMBER_ITEMS[link_id]
    bounds = [{"url": MIN_VALUE, "valueInteger": lowest}]
    if highest is not None:
        bounds.append({"url": MAX_VALUE, "valueInteger": highest})
    return {"linkId": link_id, "text": text, "type": "integer", "required": required, "extension": bounds}


def questionnaire(kind: str = QUESTIONNAIRE_ID) -> dict[str, Any]:
    """The Questionnaire: every red flag as a required boolean, then the two numbers."""
    flags = [
        {"linkId": key, "text": QUESTIONS[key].text, "type": "boolean", "required": True}
        for key in ANSWER_KEYS
    ]
    return {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        "url": questionnaire_url(),
        "name": "LowBackPainRedFlags",
        "title": "Low back pain red-flag screening",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "Answer every red flag true or false: a missing answer is refused, never read as no.",
        "item": [*flags, *(_number_item(link_id) for link_id in NUMBER_ITEMS)],
    }
