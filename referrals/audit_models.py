"""The audit log's rows: append-only, each chained by hash to the one before (docs/resilience.md).

Entries are appended through ``referrals.audit`` only, which chains them
(``referrals.audit_chain``); on PostgreSQL a trigger refuses any UPDATE or DELETE of the
table (migration 0009), and the app's own code refuses them on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

# The hash before the first entry.
GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when something tries to change or remove an audit log entry, or to add one unchained."""


class AuditLogQuerySet(models.QuerySet["AuditLogEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only.")

    def bulk_create(self, objs: Iterable[AuditLogEntry], *args: Any, **kwargs: Any) -> list[AuditLogEntry]:
        objs = list(objs)
        if any(not entry.chain_hash for entry in objs):
            raise AppendOnlyError("Append audit entries through referrals.audit, which chains them.")
        return super().bulk_create(objs, *args, **kwargs)


class AuditLogEntry(models.Model):
    """Who read or changed which patient data, when and from where. Append-only."""

    class Action(models.TextChoices):
        READ = "read", "Read"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        EXPORT = "export", "Export"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # Users with audit history are deactivated, never deleted.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=8, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    # SHA-256 over the previous entry's chain_hash and this entry's content (referrals.audit_chain).
    chain_hash = models.CharField(max_length=64, editable=False)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        app_label = "referrals"
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit log entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.actor_id or 'portal'} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only.")
        if not self.chain_hash:
            raise AppendOnlyError("Append audit entries through referrals.audit, which chains them.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The end of the audit chain: one row that every append locks, so appends take turns.

    Holds the last entry's hash and how many entries the chain has, so a verifier also
    notices entries missing from the end.
    """

    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    entries = models.BigIntegerField(default=0)

    class Meta:
        app_label = "referrals"

    def __str__(self) -> str:
        return f"audit chain of {self.entries} entries ending {self.last_hash[:12]}"
