"""Reading a referral out of a ``transaction`` Bundle (Patient, ServiceRequest, QuestionnaireResponse).

Shapes only: what the Bundle holds becomes the arguments of ``referrals.services.referral_submit``,
which keeps every rule. Anything missing or malformed is a ``FhirError`` whose ``expression``
is the FHIRPath of the element at fault, before anything is saved (docs/fhir-referrals.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from directory.models import Condition, Procedure
from fhir.bundle_entries import Entries, find_entries
from fhir.catalog import code_system_url
from fhir.outcomes import FhirError
from fhir.questionnaire import NUMBER_ITEMS, PAIN_DURATION, PAIN_SCORE, QUESTIONNAIRE_ID
from fhir.referral_resources import EHR_KEY_PREFIX, portal_sex
from triage.rules import ANSWER_KEYS

MAX_IDENTIFIER_LENGTH = 240  # the idempotency key holds it, behind a prefix, in 255 characters


@dataclass(frozen=True)
class Submitted:
    """What ``referral_submit`` needs, read from the Bundle."""

    patient_data: dict[str, Any]
    triage_data: dict[str, Any]
    requested_procedure: Procedure | None
    suspected_condition: Condition | None
    clinical_question: str
    pain_score: int | None
    idempotency_key: str

    def fingerprint_source(self) -> dict[str, Any]:
        """The content that must match when the same identifier is sent again."""
        return {
            "patient": self.patient_data,
            "triage": self.triage_data,
            "procedure": self.requested_procedure.slug if self.requested_procedure else None,
            "condition": self.suspected_condition.slug if self.suspected_condition else None,
            "question": self.clinical_question,
            "pain_score": self.pain_score,
        }


def bad(expression: str, message: str, *, status: int = 400, code: str = "invalid") -> FhirError:
    return FhirError(message, parameter=expression, status=status, code=code)


def text_at(resource: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = resource.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise bad(f"{where}.{key}", "give a non-empty string.", code="required")
    return value.strip()


def read_submission(bundle: Any) -> Submitted:
    """The referral a transaction Bundle submits, or a ``FhirError`` naming the element at fault."""
    entries = find_entries(bundle)
    procedure, condition = _wanted(entries)
    service_request = entries.service_request
    where = entries.path("ServiceRequest")
    return Submitted(
        patient_data=_patient(entries),
        triage_data=_triage(entries),
        requested_procedure=procedure,
        suspected_condition=condition,
        clinical_question=_clinical_question(service_request, where),
        pain_score=_pain_score(entries),
        idempotency_key=_identifier_key(service_request, where),
    )


def _patient(entries: Entries) -> dict[str, Any]:
    patient, where = entries.patient, entries.path("Patient")
    names = patient.get("name")
    if not isinstance(names, list) or not names or not isinstance(names[0], dict):
        raise bad(f"{where}.name", "give the patient's name (family and given).", code="required")
    given = names[0].get("given")
    if not isinstance(given, list) or not given or not isinstance(given[0], str) or not given[0].strip():
        raise bad(f"{where}.name[0].given", "give the patient's given name.", code="required")
    return {
        "first_name": given[0].strip(),
        "last_name": text_at(names[0], "family", f"{where}.name[0]"),
        "birth_date": _birth_date(patient, where),
        "sex": _sex(patient, where),
        "phone": _telecom(patient, where, "phone", required=True),
        "email": _telecom(patient, where, "email", required=False),
        "postal_code": _postal_code(patient, where),
    }


def _birth_date(patient: dict[str, Any], where: str) -> datetime.date:
    text = text_at(patient, "birthDate", where)
    try:
        born = datetime.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        born = None
    if born is None:
        raise bad(f"{where}.birthDate", f"{text[:20]!r} is not a full date (YYYY-MM-DD).")
    if born > timezone.localdate():
        raise bad(f"{where}.birthDate", "the birth date is in the future.")
    return born


def _sex(patient: dict[str, Any], where: str) -> str:
    gender = patient.get("gender")
    sex = portal_sex(gender) if isinstance(gender, str) else None
    if sex is None:
        raise bad(f"{where}.gender", "give male, female, other or unknown.", code="required")
    return sex


def _telecom(patient: dict[str, Any], where: str, system: str, *, required: bool) -> str:
    telecom = patient.get("telecom") or []
    if not isinstance(telecom, list):
        raise bad(f"{where}.telecom", "give a list of contact points.")
    for index, point in enumerate(telecom):
        if isinstance(point, dict) and point.get("system") == system:
            return text_at(point, "value", f"{where}.telecom[{index}]")
    if required:
        raise bad(
            f"{where}.telecom",
            f"give the patient's {system} (a telecom with system {system}).",
            code="required",
        )
    return ""


def _postal_code(patient: dict[str, Any], where: str) -> str:
    addresses = patient.get("address")
    if not isinstance(addresses, list) or not addresses or not isinstance(addresses[0], dict):
        raise bad(
            f"{where}.address",
            "give the patient's address with its 5-digit ZIP (postalCode).",
            code="required",
        )
    return text_at(addresses[0], "postalCode", f"{where}.address[0]")


def _coded(concept: Any, where: str, system: str, model: type[Procedure] | type[Condition]) -> Any:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list) or not codings:
        raise bad(f"{where}.coding", f"give a coding from {system}.", code="required")
    for index, coding in enumerate(codings):
        if isinstance(coding, dict) and coding.get("system") == system:
            code = coding.get("code")
            found = (
                model.objects.filter(slug=code).first()
                if isinstance(code, str) and "\x00" not in code
                else None
            )
            if found is None:
                raise bad(
                    f"{where}.coding[{index}].code",
                    f"{str(code)[:60]!r} is not a code of {system}.",
                    code="code-invalid",
                )
            return found
    raise bad(f"{where}.coding", f"no coding is from {system}.", code="code-invalid")


def _wanted(entries: Entries) -> tuple[Procedure | None, Condition | None]:
    request, where = entries.service_request, entries.path("ServiceRequest")
    for key, expected in (("status", "active"), ("intent", "order")):
        if request.get(key) != expected:
            raise bad(f"{where}.{key}", f"must be {expected}.")
    procedure = condition = None
    if "code" in request:
        procedure = _coded(request["code"], f"{where}.code", code_system_url("procedure"), Procedure)
    reasons = request.get("reasonCode")
    if reasons is not None:
        if not isinstance(reasons, list) or not reasons:
            raise bad(f"{where}.reasonCode", "give a list with one condition.")
        condition = _coded(reasons[0], f"{where}.reasonCode[0]", code_system_url("condition"), Condition)
    if procedure is None and condition is None:
        raise bad(
            f"{where}.code", "name a procedure (code) or a suspected condition (reasonCode).", code="required"
        )
    return procedure, condition


def _clinical_question(request: dict[str, Any], where: str) -> str:
    notes = request.get("note")
    if not isinstance(notes, list) or not notes or not isinstance(notes[0], dict):
        raise bad(f"{where}.note", "give the clinical question as the first note.", code="required")
    return text_at(notes[0], "text", f"{where}.note[0]")


def _identifier_key(request: dict[str, Any], where: str) -> str:
    identifiers = request.get("identifier")
    if not isinstance(identifiers, list) or not identifiers or not isinstance(identifiers[0], dict):
        raise bad(
            f"{where}.identifier",
            "give your system's id of this referral (system and value).",
            code="required",
        )
    value = text_at(identifiers[0], "value", f"{where}.identifier[0]")
    system = text_at(identifiers[0], "system", f"{where}.identifier[0]", required=False)
    key = f"{system}|{value}" if system else value
    if len(key) > MAX_IDENTIFIER_LENGTH or "\x00" in key:
        raise bad(f"{where}.identifier[0]", f"keep system and value to {MAX_IDENTIFIER_LENGTH} characters.")
    return EHR_KEY_PREFIX + key


def _answers(entries: Entries) -> dict[str, list[Any]]:
    response, where = entries.questionnaire_response, entries.path("QuestionnaireResponse")
    questionnaire = response.get("questionnaire")
    if questionnaire is not None and not str(questionnaire).endswith(f"Questionnaire/{QUESTIONNAIRE_ID}"):
        raise bad(f"{where}.questionnaire", f"answer Questionnaire/{QUESTIONNAIRE_ID}.")
    items = response.get("item")
    if not isinstance(items, list):
        raise bad(f"{where}.item", "answer every question of the Questionnaire.", code="required")
    answers: dict[str, list[Any]] = {}
    for index, item in enumerate(items):
        link_id = item.get("linkId") if isinstance(item, dict) else None
        if link_id not in ANSWER_KEYS and link_id not in NUMBER_ITEMS:
            raise bad(
                f"{where}.item[{index}].linkId",
                f"{str(link_id)[:60]!r} is not a question of the Questionnaire.",
            )
        answer = item.get("answer")
        answers[link_id] = answer if isinstance(answer, list) else []
    return answers


def _answer(answers: dict[str, list[Any]], where: str, link_id: str, kind: str) -> Any:
    expression = f"{where}.item.where(linkId='{link_id}').answer[0].{kind}"
    given = answers.get(link_id)
    if not given:
        return None
    value = given[0].get(kind) if isinstance(given[0], dict) else None
    if kind == "valueBoolean" and not isinstance(value, bool):
        raise bad(expression, "answer with true or false (a JSON boolean): a red flag is never read as no.")
    if kind == "valueInteger" and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad(expression, "answer with a whole number (a JSON integer).")
    return value


def _triage(entries: Entries) -> dict[str, Any]:
    answers, where = _answers(entries), entries.path("QuestionnaireResponse")
    flags = {}
    for key in ANSWER_KEYS:
        flags[key] = _answer(answers, where, key, "valueBoolean")
        if flags[key] is None:
            raise bad(
                f"{where}.item.where(linkId='{key}')",
                f"answer {key} true or false: a missing red flag is never read as no.",
                code="required",
            )
    weeks = _answer(answers, where, PAIN_DURATION, "valueInteger")
    if weeks is None or weeks < 0:
        raise bad(
            f"{where}.item.where(linkId='{PAIN_DURATION}')",
            "give the pain duration in whole weeks, 0 or more.",
            code="required",
        )
    return {"pain_duration_weeks": weeks, "answers": flags}


def _pain_score(entries: Entries) -> int | None:
    where = entries.path("QuestionnaireResponse")
    score = _answer(_answers(entries), where, PAIN_SCORE, "valueInteger")
    if score is not None and not 0 <= score <= 10:
        raise bad(
            f"{where}.item.where(linkId='{PAIN_SCORE}').answer[0].valueInteger", "a pain score is 0 to 10."
        )
    return score
