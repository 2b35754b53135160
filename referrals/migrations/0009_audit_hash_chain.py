"""Chain the audit log by hash and, on PostgreSQL, refuse any UPDATE or DELETE of it.

Existing entries are chained in the order they were written (by id) before the trigger
exists; the chain head records where the chain ends. See docs/resilience.md ("Audit log").
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from referrals.audit_chain import chained_hash
from referrals.audit_models import GENESIS_HASH

REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION referrals_audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % of an entry is refused.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER referrals_auditlogentry_append_only
    BEFORE UPDATE OR DELETE ON referrals_auditlogentry
    FOR EACH ROW EXECUTE FUNCTION referrals_audit_log_append_only();
"""

ALLOW_CHANGES = """
DROP TRIGGER IF EXISTS referrals_auditlogentry_append_only ON referrals_auditlogentry;
DROP FUNCTION IF EXISTS referrals_audit_log_append_only();
"""


def chain_existing_entries(apps: Any, schema_editor: Any) -> None:
    entry_model = apps.get_model("referrals", "AuditLogEntry")
    previous, count, batch = GENESIS_HASH, 0, []
    for entry in entry_model.objects.order_by("id").iterator(chunk_size=2000):
        entry.chain_hash = previous = chained_hash(previous, entry)
        batch.append(entry)
        count += 1
        if len(batch) == 2000:
            entry_model.objects.bulk_update(batch, ["chain_hash"])
            batch = []
    entry_model.objects.bulk_update(batch, ["chain_hash"])
    apps.get_model("referrals", "AuditChainHead").objects.update_or_create(
        pk=1, defaults={"last_hash": previous, "entries": count}
    )


def refuse_changes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE_CHANGES, params=None)


def allow_changes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW_CHANGES, params=None)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0008_patient_sex_fhir_codes")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_hash", models.CharField(default=GENESIS_HASH, max_length=64)),
                ("entries", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="auditlogentry",
            name="chain_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_entries, migrations.RunPython.noop),
        migrations.RunPython(refuse_changes, allow_changes),
    ]
