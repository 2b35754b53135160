"""A practice's system answers a referral by updating its Task (docs/fhir-referrals.md).

``PUT /fhir/Task/<id>`` sends the whole Task; ``PATCH`` a JSON Patch applied to the Task as
the portal serves it. Either way only what the practice decides is read from it:

- ``accepted``: accepts the referral;
- ``rejected``: declines it, ``statusReason.coding`` from ``CodeSystem/decline-reason`` and
  the comment in ``statusReason.text``; the referral moves to the next practice;
- ``in-progress``: nothing more; a booked Appointment (``POST /fhir/Appointment``) is what
  moves the Task there, so asking for it before one is booked is a 409;
- ``completed``: completes it; ``output[0].valueString`` is the outcome for the referrer;
- ``cancelled``: cancels it, the reason in ``statusReason.text``.

Every change is a call to ``referrals.services``, with its state rules, deadlines,
notifications and timeline; asking again for the status the Task already has changes
nothing, so a resent PUT is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fhir import answer_codes
from fhir.outcomes import FhirError
from fhir.referral_status import TASK_STATUSES
from referrals import services
from referrals.models import Referral

ANSWERED_STATUSES = ("accepted", "rejected", "in-progress", "completed", "cancelled")
# Where the services' field names sit in a Task.
FIELD_PATHS = {
    "reason": "Task.statusReason",
    "comment": "Task.statusReason.text",
    "outcome_summary": "Task.output",
}


@dataclass(frozen=True)
class TaskAnswer:
    """What a practice's Task update asks for: a status, and what that status needs."""

    status: str
    reason: str = ""
    comment: str = ""
    outcome: str = ""


def read_task_answer(task: Any, *, task_id: str) -> TaskAnswer:
    """The answer ``task`` carries; raises a 400 ``FhirError`` naming the element at fault."""
    if not isinstance(task, dict) or task.get("resourceType") != "Task":
        raise FhirError("send a Task resource.", parameter="Task")
    if "id" in task and task["id"] != task_id:
        raise FhirError(f"the Task's id must be {task_id}, the id in the URL.", parameter="Task.id")
    status = task.get("status")
    if status not in ANSWERED_STATUSES:
        raise FhirError(f"give one of {', '.join(ANSWERED_STATUSES)}.", parameter="Task.status")
    reason = task.get("statusReason", {})
    if not isinstance(reason, dict):
        raise FhirError("give a CodeableConcept.", parameter="Task.statusReason")
    comment = reason.get("text", "")
    if not isinstance(comment, str):
        raise FhirError("give text.", parameter="Task.statusReason.text")
    if status == "rejected":
        return TaskAnswer(status, reason=_decline_reason(reason), comment=comment)
    if status == "completed":
        return TaskAnswer(status, outcome=_outcome(task.get("output")))
    return TaskAnswer(status, comment=comment)


def _decline_reason(reason: dict[str, Any]) -> str:
    code = answer_codes.code_of(reason, answer_codes.DECLINE_REASON)
    if code is None:
        raise FhirError(
            answer_codes.refusal(answer_codes.DECLINE_REASON), parameter="Task.statusReason.coding"
        )
    return code


def _outcome(output: Any) -> str:
    texts = [
        str(item["valueString"])
        for item in (output if isinstance(output, list) else [])
        if isinstance(item, dict) and isinstance(item.get("valueString"), str)
    ]
    if not texts or not texts[0].strip():
        raise FhirError("give the outcome as output[0].valueString.", parameter="Task.output")
    return texts[0]


def _in_progress(referral: Referral, user: Any, answer: TaskAnswer) -> Referral:
    raise services.InvalidTransition(
        "book an Appointment first (POST /fhir/Appointment): the booking moves the Task to in-progress."
    )


_APPLY: dict[str, Callable[[Referral, Any, TaskAnswer], Referral]] = {
    "accepted": lambda r, user, a: services.referral_accept(referral=r, user=user),
    "rejected": lambda r, user, a: services.referral_decline(
        referral=r, user=user, reason=a.reason, comment=a.comment
    ),
    "in-progress": _in_progress,
    "completed": lambda r, user, a: services.referral_complete(
        referral=r, user=user, outcome_summary=a.outcome
    ),
    "cancelled": lambda r, user, a: services.referral_cancel(referral=r, user=user, reason=a.comment),
}


def task_answer_apply(*, referral: Referral, user: Any, answer: TaskAnswer) -> Referral:
    """Make the referral what ``answer`` asks, through the referral services.

    Raises the services' errors (``InvalidTransition`` when the referral's state does not
    allow it); the status the Task already has is no change at all.
    """
    if TASK_STATUSES[referral.status].task_status == answer.status:
        return referral
    return _APPLY[answer.status](referral, user, answer)


def service_refusal(error: services.ReferralError, *, paths: dict[str, str], resource: str) -> FhirError:
    """The OperationOutcome error for a refusal of the referral services, at the element it is about."""
    if isinstance(error, services.PermissionDenied):
        return FhirError(f"no {resource} has this id.", status=404, code="not-found")
    if isinstance(error, services.ActionForbidden):
        return FhirError(str(error), status=403, code="forbidden")
    if isinstance(error, services.InvalidTransition):
        return FhirError(str(error), status=409, code="business-rule", parameter=f"{resource}.status")
    if isinstance(error, services.InvalidInput):
        field, messages = next(iter(error.errors.items()))
        message = messages[0] if isinstance(messages, list) and messages else str(messages)
        return FhirError(str(message), parameter=paths.get(field, resource))
    return FhirError(str(error), code="processing")
