from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import StaffUser
from backend.patients.models import Patient
from shared.contract.patients import Platform


class Invite(Model):
    """A single-use, expiring, revocable code that enrols one phone for one patient."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="invites", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=32, unique=True)
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invite"


class Device(Model):
    """An enrolled phone. Only the sha256 of its token is stored, and revoking signs it out."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="devices", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=200, default="")
    platform = fields.CharEnumField(Platform, max_length=10)
    push_token = fields.CharField(max_length=512, null=True)
    push_disabled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "device"
