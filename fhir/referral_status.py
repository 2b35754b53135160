"""A referral's status as a FHIR ``Task``: its ``status`` and the project's ``businessStatus`` codes.

One code per portal status (docs/workflow.md), served as ``CodeSystem/referral-status``,
with the HL7 BSeR task business status alongside where BSeR has one (docs/fhir-referrals.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.catalog import canonical
from referrals.models import Referral

CODE_SYSTEM_ID = "referral-status"
BSER_SYSTEM = "http://hl7.org/fhir/us/bser/CodeSystem/TaskBusinessStatusCS"
Status = Referral.Status


@dataclass(frozen=True)
class TaskStatus:
    task_status: str  # FHIR Task.status
    definition: str
    bser: tuple[str, str] | None = None  # (code, display)


TASK_STATUSES: dict[str, TaskStatus] = {
    Status.PENDING: TaskStatus(
        "requested", "Routed to one practice, awaiting its answer.", ("2.0", "Service Request Created")
    ),
    Status.ACCEPTED: TaskStatus("accepted", "The practice accepted it.", ("3.0", "Service Request Accepted")),
    Status.SCHEDULED: TaskStatus(
        "in-progress", "An appointment is booked.", ("5.1.1", "Service Request Event Scheduled")
    ),
    Status.IN_TREATMENT: TaskStatus("in-progress", "The patient has been seen and is in treatment."),
    Status.COMPLETED: TaskStatus(
        "completed",
        "The outcome is back with the referrer.",
        ("7.0", "Service Request Fulfillment Completed"),
    ),
    Status.UNROUTABLE: TaskStatus("failed", "No practice fits; a coordinator can route it by hand."),
    Status.CANCELLED: TaskStatus(
        "cancelled",
        "Cancelled by either side, with a reason.",
        ("6.0", "Service Request Fulfillment Cancelled"),
    ),
    Status.EMERGENCY_REDIRECT: TaskStatus(
        "rejected", "The screening points to an emergency: recorded, never routed."
    ),
}


def code_system_url() -> str:
    return canonical(f"CodeSystem/{CODE_SYSTEM_ID}")


def business_status(status: str) -> dict[str, Any]:
    """Task.businessStatus: the project's code, and BSeR's where it has one."""
    coding = [{"system": code_system_url(), "code": status, "display": Status(status).label}]
    bser = TASK_STATUSES[status].bser
    if bser is not None:
        coding.append({"system": BSER_SYSTEM, "code": bser[0], "display": bser[1]})
    return {"coding": coding, "text": Status(status).label}


def code_system(kind: str = CODE_SYSTEM_ID) -> dict[str, Any]:
    concepts = [
        {"code": status.value, "display": status.label, "definition": TASK_STATUSES[status].definition}
        for status in Status
    ]
    return {
        "resourceType": "CodeSystem",
        "id": CODE_SYSTEM_ID,
        "url": code_system_url(),
        "name": "ReferralStatus",
        "title": "Referral statuses (Task.businessStatus)",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "count": len(concepts),
        "concept": concepts,
    }
