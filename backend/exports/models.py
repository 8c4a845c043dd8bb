from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic


class CohortExportKey(Model):
    """The clinic's secret for pseudonymous patient ids in research exports. Kept on the server
    only: without it an exported id cannot be traced back to a patient."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.OneToOneRelation[Clinic] = fields.OneToOneField(
        "models.Clinic", related_name="cohort_export_key", on_delete=fields.CASCADE
    )
    secret = fields.CharField(max_length=64)  # 32 random bytes, hex
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cohort_export_key"
