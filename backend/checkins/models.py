from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from backend.patients.models import Patient
from shared.contract.checkins import CheckInStatus

if TYPE_CHECKING:
    from backend.photos.models import Photo


class CheckIn(Model):
    """One month's photo check-in of one patient, with the views the clinic's protocol asked for."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="checkins", on_delete=fields.CASCADE
    )
    month = fields.IntField()  # months since the baseline, 0 = the baseline itself
    due_on = fields.DateField()
    views: list[str] = fields.JSONField(default=list)  # the protocol when the check-in began
    status = fields.CharEnumField(CheckInStatus, max_length=10, default=CheckInStatus.OPEN)
    completed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    photos: fields.ReverseRelation[Photo]

    class Meta:
        table = "checkin"
        unique_together = (("patient", "month"),)


class TimelineVersion(Model):
    """How many times what a patient's timeline shows has changed: the timeline cache's key.
    Bumped (`backend.checkins.versions.bump_timeline`) in the transaction of every such change."""

    id = fields.BigIntField(primary_key=True)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    version = fields.BigIntField(default=0)

    class Meta:
        table = "timeline_version"
        unique_together = (("patient",),)
