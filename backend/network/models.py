"""The clinic's membership of the network, its outbox of signed summaries, and network lot signals."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from backend.clinics.models import Clinic, StaffUser


class NetworkMembership(Model):
    """A clinic that opted in to the network: where the registry is, the id it knows the clinic by
    and the clinic's signing key (the private half never leaves this database)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE, unique=True
    )
    registry_url = fields.CharField(max_length=300)
    registry_clinic_id = fields.CharField(max_length=64)
    private_key = fields.CharField(max_length=64)
    public_key = fields.CharField(max_length=64)
    sequence = fields.BigIntField(default=0)  # the last message number signed
    joined_at = fields.DatetimeField()
    joined_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "network_membership"


class NetworkSubmission(Model):
    """A signed summary waiting for, or delivered to, the registry (the outbox: claimed under a lease,
    retried with backoff; the same signed message is sent again, so the registry never counts it twice)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=12, default="summary")  # summary | withdrawal
    period = fields.CharField(max_length=7)
    sequence = fields.BigIntField()
    payload = fields.TextField()
    signature = fields.CharField(max_length=100)
    state = fields.CharField(max_length=10, default="pending")  # pending | sending | sent | refused | superseded
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claim_token = fields.UUIDField(null=True)
    claimed_by = fields.CharField(max_length=100, default="")
    last_error = fields.CharField(max_length=300, default="")
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "network_submission"
        unique_together = (("clinic", "sequence"),)
        indexes = [Index(fields=["state", "next_attempt_at"])]


class NetworkLotSignal(Model):
    """A lot the network flagged that this clinic used: shown in its safety inbox until acknowledged."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    treatment = fields.CharField(max_length=20)
    product = fields.CharField(max_length=200, default="")
    lot_number = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=20)
    clinics = fields.IntField()
    lot_sessions = fields.IntField()
    lot_events = fields.IntField()
    rest_sessions = fields.IntField()
    rest_events = fields.IntField()
    p_adjusted = fields.FloatField()
    received_at = fields.DatetimeField()
    acknowledged_at = fields.DatetimeField(null=True)
    acknowledged_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "network_lot_signal"
        unique_together = (("clinic", "lot_number", "kind"),)
