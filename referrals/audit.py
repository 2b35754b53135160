"""The audit service: every read or change of patient data appends one entry, and only appends.

A custom model rather than a change-tracking library: the log must record reads and
exports (who looked at which patient), not only row changes, and it must be impossible
to edit through the app (see ``AuditLogEntry``). Every entry is chained by hash to the one
before (``referrals.audit_chain``) and written in the caller's transaction, so an entry and
the change it records commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models

from referrals.audit_chain import chain_append
from referrals.models import AuditLogEntry

if TYPE_CHECKING:
    from django.http import HttpRequest


class MissingActorError(ValueError):
    """A change to patient data was about to be recorded without saying who made it."""


def audit_object_id(obj: models.Model) -> str:
    """The identifier the log keeps for ``obj``: its public id when it has one, never patient data."""
    public_id = getattr(obj, "public_id", None)
    return str(public_id if public_id is not None else obj.pk)


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from, as the web server saw it.

    Behind a load balancer, configure it to set REMOTE_ADDR (trusting a client-supplied
    X-Forwarded-For would let anyone write any address into the log).
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def _entry(
    *, actor: Any, action: str, obj: models.Model, request: HttpRequest | None, detail: str
) -> AuditLogEntry:
    """An unsaved entry; refuses an unknown action, and a change with nobody signed in behind it."""
    if action not in AuditLogEntry.Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    signed_in = actor is not None and actor.is_authenticated
    if action != AuditLogEntry.Action.READ and not signed_in:
        raise MissingActorError("A change to patient data must be recorded with the person who made it.")
    return AuditLogEntry(
        actor=actor if signed_in else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=audit_object_id(obj),
        ip_address=client_ip(request),
        detail=detail[:500],
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    request: HttpRequest | None = None,
    detail: str = "",
) -> AuditLogEntry:
    """Append one entry saying ``actor`` did ``action`` to ``obj``; returns the saved entry.

    Raises ``MissingActorError`` for a change (anything but a read) with no actor, and
    ``ValueError`` for an unknown action.
    """
    [entry] = chain_append([_entry(actor=actor, action=action, obj=obj, request=request, detail=detail)])
    return entry


def audit_record_many(
    *,
    actor: Any,
    action: str,
    objs: Iterable[models.Model],
    request: HttpRequest | None = None,
    detail: str = "",
) -> list[AuditLogEntry]:
    """``audit_record`` for every object of a list or export page, in one INSERT; returns the entries."""
    entries = [_entry(actor=actor, action=action, obj=obj, request=request, detail=detail) for obj in objs]
    return chain_append(entries)
