from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from shared.contract.auth import StaffRole


class Clinic(Model):
    """A clinic: the tenant. Everything a staff member sees belongs to one clinic."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64, default="UTC")
    # which standard views this clinic's photo protocol uses, in order
    protocol_views: list[str] = fields.JSONField(default=list)
    # hours before an injection session that reminders go out
    injection_reminder_hours: list[int] = fields.JSONField(default=list)
    # whether patients' phones show the blinded raters' consensus on their own timeline
    share_consensus_with_patients = fields.BooleanField(default=False)
    # every staff member signs in with a second factor (TOTP); those without one enrol at sign-in
    require_two_factor = fields.BooleanField(default=False, db_default=False)
    # disclosure control (backend/disclosure): stricter than the floors 5 / 10 / 5, never looser
    disclosure_threshold = fields.SmallIntField(default=5, db_default=5)
    disclosure_min_population = fields.SmallIntField(default=10, db_default=10)
    export_k = fields.SmallIntField(default=5, db_default=5)
    created_at = fields.DatetimeField(auto_now_add=True)

    staff: fields.ReverseRelation[StaffUser]

    class Meta:
        table = "clinic"


class StaffUser(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name="staff", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(StaffRole, max_length=20)
    password_hash = fields.CharField(max_length=200)
    active = fields.BooleanField(default=True)
    deactivated_at = fields.DatetimeField(null=True)
    last_sign_in_at = fields.DatetimeField(null=True)
    # an invited member has no password until they open their invite link
    invited_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff_user"
