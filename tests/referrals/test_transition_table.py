"""docs/workflow.md shows the transition table the services and screens run on.

The table is written out from ``referrals.workflow.TRANSITIONS``; when a row changes, the
failure prints the table to paste into the document.
"""

from __future__ import annotations

from pathlib import Path

from referrals.workflow import TRANSITIONS, Role, Transition

WORKFLOW_DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"

WHO = {
    Role.REFERRER: "referring clinician",
    Role.PRACTICE_STAFF: "office staff",
    Role.ROUTER: "referral coordinator",
    Role.SUPERUSER: "superuser",
}


def code(statuses: tuple[str, ...] | frozenset[str]) -> str:
    return ", ".join(f"`{status}`" for status in statuses)


def to_column(row: Transition) -> str:
    if row.to_status is None:
        return "routed on: `pending` at the next practice, or `unroutable`"
    text = f"`{row.to_status}`"
    if row.when:
        text += f" once {row.when}"
    if row.stays_in:
        text += f"; {code(tuple(sorted(row.stays_in)))} stays"
    return text


def table_markdown() -> str:
    lines = ["| action | from | to | who may |", "|---|---|---|---|"]
    for row in TRANSITIONS.values():
        who = ", ".join(WHO[role] for role in Role if role in row.roles)
        lines.append(f"| `{row.action}` | {code(row.from_statuses)} | {to_column(row)} | {who} |")
    return "\n".join(lines) + "\n"


def test_the_workflow_document_shows_the_transition_table_the_code_runs() -> None:
    table = table_markdown()

    assert table in WORKFLOW_DOC.read_text(), f"docs/workflow.md should hold this table:\n\n{table}"
