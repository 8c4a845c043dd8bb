from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic
from backend.patients.models import Patient
from shared.contract.records import ExportState


class DataExport(Model):
    """A ZIP of one patient's own data (processed photos, records as JSON, the progress report),
    built by a job and fetched with a single-use, expiring link.

    Its object is named by `storage_token` only. A new link replaces the previous one: only the
    hash of the latest link's token is kept, with its expiry and when it was used.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(ExportState, max_length=10, default=ExportState.QUEUED)
    storage_token = fields.CharField(max_length=32, unique=True)
    size = fields.BigIntField(null=True)
    sha256 = fields.CharField(max_length=64, default="")
    problem = fields.CharField(max_length=300, default="")
    requested_at = fields.DatetimeField()
    started_at = fields.DatetimeField(null=True)
    ready_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    link_token_hash = fields.CharField(max_length=64, null=True, unique=True)
    link_expires_at = fields.DatetimeField(null=True)
    link_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "data_export"
        indexes = (("patient_id", "requested_at"), ("state", "expires_at"))


class DeletionRequest(Model):
    """A patient's request that the clinic delete their data: one per patient, however often asked.
    The clinic completes it by deleting the patient, which removes this row with everything else
    (the audit trail keeps the request and who completed it)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.OneToOneRelation[Patient] = fields.OneToOneField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    requested_at = fields.DatetimeField()
    device_id = fields.UUIDField(null=True)  # the phone it came from

    class Meta:
        table = "deletion_request"
        indexes = (("clinic_id", "requested_at"),)
