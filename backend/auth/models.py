from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import StaffUser


class StaffSession(Model):
    """A signed-in staff member: a bearer token for the API or a dashboard cookie.

    Only the sha256 of the token is stored, and revoking sets `revoked_at`.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    staff: fields.ForeignKeyRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name="sessions", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    kind = fields.CharField(max_length=10)  # "api" or "cookie"
    csrf_token = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    # opened with a second factor (TOTP or a recovery code), or the member enrolled in it since
    second_factor = fields.BooleanField(default=False, db_default=False)
    # when a second factor was last given in this session (step-up before exports)
    second_factor_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_session"
