from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.checkins.models import CheckIn
from backend.patients.models import Patient
from shared.contract.checkins import PhotoStatus


class Photo(Model):
    """One photo of one view. Its objects in the store are named by `storage_token` (random) only."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="photos", on_delete=fields.CASCADE
    )
    checkin: fields.ForeignKeyRelation[CheckIn] = fields.ForeignKeyField(
        "models.CheckIn", related_name="photos", on_delete=fields.CASCADE
    )
    view = fields.CharField(max_length=40)
    # made on the phone when the photo was taken: the same key is always the same photo
    idempotency_key = fields.UUIDField()
    storage_token = fields.CharField(max_length=32, unique=True)
    status = fields.CharEnumField(PhotoStatus, max_length=10, default=PhotoStatus.PENDING)
    content_type = fields.CharField(max_length=100)  # as declared for the upload
    sha256 = fields.CharField(max_length=64)  # of the uploaded bytes
    size = fields.BigIntField()  # of the uploaded bytes
    source_type = fields.CharField(max_length=10, default="")  # jpeg, png, webp, heic: from the bytes
    width = fields.IntField(null=True)  # of the stored upright photo
    height = fields.IntField(null=True)
    stored_size = fields.BigIntField(null=True)  # of the stored full-size photo
    # digests of the stored full-size photo (what a download link serves), for exports (FHIR asks SHA-1)
    stored_sha256 = fields.CharField(max_length=64, default="")
    stored_sha1 = fields.CharField(max_length=40, default="")
    metrics: dict | None = fields.JSONField(null=True)  # shared.quality.QualityReport, measured here
    phone_metrics: dict | None = fields.JSONField(null=True)  # what the phone measured before upload
    # shared.coverage.CoverageReading: the coverage index (or why there is none) and its method
    coverage: dict | None = fields.JSONField(null=True)
    rejection_code = fields.CharField(max_length=40, default="")
    rejection_message = fields.CharField(max_length=300, default="")
    captured_at = fields.DatetimeField()
    slot_issued_at = fields.DatetimeField()  # the latest upload slot given for it
    uploaded_at = fields.DatetimeField(null=True)  # complete accepted the bytes
    processed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "photo"
        unique_together = (("patient", "idempotency_key"),)
        indexes = (("patient_id", "captured_at"), ("status", "slot_issued_at"))
