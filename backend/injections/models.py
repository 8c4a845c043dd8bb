from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic, StaffUser
from backend.patients.models import Patient
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment


class InjectionSession(Model):
    """One injection session, planned or given, with the exact product lot used."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="injection_sessions", on_delete=fields.CASCADE
    )
    # kept beside the patient so a clinic-wide lot search is one indexed query
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(SessionStatus, max_length=12, default=SessionStatus.SCHEDULED)
    scheduled_at = fields.DatetimeField()
    performed_at = fields.DatetimeField(null=True)
    treatment = fields.CharEnumField(Treatment, max_length=20)
    product = fields.CharField(max_length=200, default="")
    lot_number = fields.CharField(max_length=64, default="")
    volume_ml = fields.DecimalField(max_digits=6, decimal_places=2, null=True)
    areas: list[str] = fields.JSONField(default=list)
    notes = fields.TextField(default="")
    recorded_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "injection_session"
        # column names: Tortoise 1.1.9 does not map a foreign key's field name in an index to its column
        indexes = (("clinic_id", "lot_number"), ("patient_id", "scheduled_at"))
