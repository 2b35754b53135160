"""The referral's transition table: what each action does, from which states, and who may take it.

The one place the workflow's graph lives (docs/workflow.md, "Transitions", shows this table;
a test keeps the two equal). ``referrals.access`` reads it to list what a user may do now,
and every service of a person's action moves the status through
``referrals.services.transition``, which reads it too. Adding a status is a row here, its
service and its tests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from referrals.models import Referral, ReferralEvent

Status = Referral.Status
EventKind = ReferralEvent.Kind


class Role(StrEnum):
    REFERRER = "referrer"  # the clinician who made the referral
    PRACTICE_STAFF = "practice_staff"  # works for the practice the referral is with now
    ROUTER = "router"  # may route unroutable referrals by hand (a permission)
    SUPERUSER = "superuser"


class Action(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    SCHEDULE = "schedule"
    RECORD_VISIT = "record_visit"
    COMPLETE = "complete"
    CANCEL = "cancel"
    ROUTE_BY_HAND = "route_by_hand"


@dataclass(frozen=True)
class Transition:
    """One action: the states it starts from, the state it leads to, and who may take it.

    ``to_status`` None means routing decides (the next practice's ``pending``, or
    ``unroutable``); from a state in ``stays_in`` the status does not move; ``when``
    names a condition the service checks before the status moves.
    """

    action: Action
    from_statuses: tuple[str, ...]
    to_status: str | None
    roles: frozenset[Role]
    event: str
    past_tense: str
    stays_in: frozenset[str] = frozenset()
    when: str = ""

    def status_after(self, from_status: str) -> str:
        """The referral's status once this action is taken from ``from_status``."""
        if self.to_status is None or from_status in self.stays_in:
            return from_status
        return self.to_status


def _who(*roles: Role) -> frozenset[Role]:
    """``roles`` and superusers, who may take every action."""
    return frozenset({*roles, Role.SUPERUSER})


# In the order screens list the actions.
TRANSITIONS: dict[Action, Transition] = {
    row.action: row
    for row in (
        Transition(
            action=Action.ACCEPT,
            from_statuses=(Status.PENDING,),
            to_status=Status.ACCEPTED,
            roles=_who(Role.PRACTICE_STAFF),
            event=EventKind.ACCEPTED,
            past_tense="accepted",
        ),
        Transition(
            action=Action.DECLINE,
            from_statuses=(Status.PENDING,),
            to_status=None,
            roles=_who(Role.PRACTICE_STAFF),
            event=EventKind.DECLINED,
            past_tense="declined",
        ),
        Transition(
            action=Action.SCHEDULE,
            from_statuses=(Status.ACCEPTED, Status.SCHEDULED, Status.IN_TREATMENT),
            to_status=Status.SCHEDULED,
            stays_in=frozenset({Status.IN_TREATMENT}),
            roles=_who(Role.PRACTICE_STAFF),
            event=EventKind.SCHEDULED,
            past_tense="scheduled",
        ),
        Transition(
            action=Action.RECORD_VISIT,
            from_statuses=(Status.SCHEDULED, Status.IN_TREATMENT),
            to_status=Status.IN_TREATMENT,
            when="the patient was seen (the visit is fulfilled)",
            roles=_who(Role.PRACTICE_STAFF),
            event=EventKind.VISIT_RECORDED,
            past_tense="given a visit",
        ),
        Transition(
            action=Action.COMPLETE,
            from_statuses=(Status.IN_TREATMENT,),
            to_status=Status.COMPLETED,
            roles=_who(Role.PRACTICE_STAFF),
            event=EventKind.COMPLETED,
            past_tense="completed",
        ),
        Transition(
            action=Action.CANCEL,
            from_statuses=(
                Status.PENDING,
                Status.ACCEPTED,
                Status.SCHEDULED,
                Status.IN_TREATMENT,
                Status.UNROUTABLE,
            ),
            to_status=Status.CANCELLED,
            roles=_who(Role.REFERRER, Role.PRACTICE_STAFF),
            event=EventKind.CANCELLED,
            past_tense="cancelled",
        ),
        Transition(
            action=Action.ROUTE_BY_HAND,
            from_statuses=(Status.UNROUTABLE,),
            to_status=Status.PENDING,
            roles=_who(Role.ROUTER),
            event=EventKind.ROUTED_BY_HAND,
            past_tense="routed by hand",
        ),
    )
}


def is_allowed(action: Action, *, roles: Collection[Role], status: str) -> bool:
    """True when someone holding ``roles`` may take ``action`` on a referral in ``status``."""
    row = TRANSITIONS[action]
    return status in row.from_statuses and bool(row.roles.intersection(roles))
