from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic, StaffUser
from backend.patients.models import Patient
from backend.photos.models import Photo


class MarketingConsent(Model):
    """A patient's consent to the clinic using their photos in marketing: given in the app, or a
    signed paper form a staff member recorded (the PDF kept in the store under `form_token`).
    It covers every photo or the listed ones, until `expires_at` (none: until withdrawn).
    Withdrawal ends every live consent of the patient at once."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="marketing_consents", on_delete=fields.CASCADE
    )
    source = fields.CharField(max_length=10)  # "app" or "paper"
    all_photos = fields.BooleanField(default=False)
    photo_ids: list[str] = fields.JSONField(default=list)  # when not all_photos
    granted_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    recorded_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    form_token = fields.CharField(max_length=32, default="")  # the signed PDF's object, paper only
    form_sha256 = fields.CharField(max_length=64, default="")
    form_size = fields.IntField(default=0)
    signed_on = fields.DateField(null=True)  # the date on the paper form
    withdrawn_at = fields.DatetimeField(null=True)
    withdrawn_by = fields.CharField(max_length=10, default="")  # "patient" or "staff"
    images_deleted = fields.IntField(default=0)  # before/after images removed at withdrawal
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "marketing_consent"
        indexes = (("patient_id", "withdrawn_at"),)


class BeforeAfterImage(Model):
    """A before/after image the clinic saved for marketing: two photos of one view aligned, cropped
    alike, labelled and watermarked, with nothing that names the patient. Its object is named by
    `storage_token` only, and it goes when the patient withdraws consent."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="before_after_images", on_delete=fields.CASCADE
    )
    before_photo: fields.ForeignKeyRelation[Photo] = fields.ForeignKeyField(
        "models.Photo", related_name=False, on_delete=fields.CASCADE
    )
    after_photo: fields.ForeignKeyRelation[Photo] = fields.ForeignKeyField(
        "models.Photo", related_name=False, on_delete=fields.CASCADE
    )
    view = fields.CharField(max_length=40)
    layout = fields.CharField(max_length=12)  # "side_by_side" (PNG) or "slider" (animated GIF)
    after_label = fields.CharField(max_length=40)
    storage_token = fields.CharField(max_length=32, unique=True)
    content_type = fields.CharField(max_length=20)
    size = fields.IntField()
    created_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "before_after_image"
        indexes = (("patient_id", "created_at"),)
