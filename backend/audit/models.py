from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AuditEvent(Model):
    """Who saw or changed what, when, and from which address. Rows are only ever added."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    clinic_id = fields.UUIDField(null=True, db_index=True)
    actor_kind = fields.CharField(max_length=10)  # staff, patient, system
    actor_id = fields.UUIDField(null=True)
    action = fields.CharField(max_length=64)
    subject_type = fields.CharField(max_length=40)
    subject_id = fields.CharField(max_length=64)
    patient_id = fields.UUIDField(null=True, db_index=True)
    detail: dict = fields.JSONField(default=dict)
    # the client's address as `backend.security.client_address` resolves it; null for system events
    address = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "audit_event"
        indexes = (("clinic_id", "at"), ("clinic_id", "actor_id", "at"))
