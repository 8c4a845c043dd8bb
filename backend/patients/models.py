from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic
from shared.contract.patients import Treatment
from shared.hair_loss import Diagnosis, GradeScale, Sex


class Patient(Model):
    """A clinic's patient, linked to the clinic's own record (EHR/MRN number)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name="patients", on_delete=fields.CASCADE
    )
    display_name = fields.CharField(max_length=200)
    record_number = fields.CharField(max_length=64)
    treatment = fields.CharEnumField(Treatment, max_length=20)
    planned_sessions = fields.IntField()
    interval_days = fields.IntField()
    baseline_date = fields.DateField()
    timezone = fields.CharField(max_length=64, default="UTC")
    check_in_time = fields.CharField(max_length=5, default="18:00")
    quiet_hours_start = fields.CharField(max_length=5, default="21:00")
    quiet_hours_end = fields.CharField(max_length=5, default="08:00")
    push_enabled = fields.BooleanField(default=True)
    # consent is recorded separately for care and for research use of the photos
    consent_care = fields.BooleanField(default=True)
    consent_research = fields.BooleanField(default=False)
    # the hair-loss profile the outcomes are broken down by (sex as recorded by the clinic)
    sex = fields.CharEnumField(Sex, max_length=10, default=Sex.UNKNOWN)
    birth_year = fields.SmallIntField(null=True)
    diagnosis = fields.CharEnumField(Diagnosis, max_length=30, null=True)
    grade_scale = fields.CharEnumField(GradeScale, max_length=20, null=True)
    grade = fields.SmallIntField(null=True)  # 1-7 Norwood-Hamilton, 1-3 Ludwig, set with grade_scale
    enrolled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "patient"
        unique_together = (("clinic", "record_number"),)
        # column names: Tortoise 1.1.9 does not map a foreign key's field name in an index to its column
        indexes = (("clinic_id", "display_name"),)
