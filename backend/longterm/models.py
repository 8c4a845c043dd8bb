from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic, StaffUser
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.reports.models import SideEffectReport


class SafetyAnswer(Model):
    """A patient's answer to a safety question: "anything new since last time?" at a monthly
    check-in, or a photo-less safety check-in 3, 6 or 12 months after a course ended.

    When something new was felt, the answer carries a side-effect report on the patient's most
    recent session, so the safety inbox, alerts and lot figures see it as they see every report.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="safety_answers", on_delete=fields.CASCADE
    )
    idempotency_key = fields.UUIDField()
    request_sha256 = fields.CharField(max_length=64)
    occasion = fields.CharField(max_length=16)  # shared.long_term.SafetyOccasion
    # the check-in month, or the months after the course's last session
    month = fields.IntField()
    course_ends_on = fields.DateField(null=True)
    occasion_key = fields.CharField(max_length=48)
    anything_new = fields.BooleanField()
    saw_doctor = fields.BooleanField(default=False)
    side_effect_report: fields.ForeignKeyNullableRelation[SideEffectReport] = fields.ForeignKeyField(
        "models.SideEffectReport", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    answered_at = fields.DatetimeField()

    sessions: fields.ReverseRelation[SafetyAnswerSession]

    class Meta:
        table = "safety_answer"
        unique_together = (("patient", "idempotency_key"), ("patient", "occasion_key"))
        indexes = (("clinic_id", "answered_at"),)


class SafetyAnswerSession(Model):
    """A recent session an answer is linked to, with its lot and the days from it to the answer."""

    id = fields.BigIntField(primary_key=True)
    answer: fields.ForeignKeyRelation[SafetyAnswer] = fields.ForeignKeyField(
        "models.SafetyAnswer", related_name="sessions", on_delete=fields.CASCADE
    )
    injection_session: fields.ForeignKeyNullableRelation[InjectionSession] = fields.ForeignKeyField(
        "models.InjectionSession", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    product = fields.CharField(max_length=200)
    lot_number = fields.CharField(max_length=100)
    days_since = fields.IntField()

    class Meta:
        table = "safety_answer_session"
        indexes = (("answer_id",),)


class StopReasonRecord(Model):
    """Why a patient stopped coming, from the patient's one tap after a missed check-in or from
    the clinic. The newest one counts; older ones are kept."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="stop_reasons", on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=24)  # shared.long_term.StopReason
    note = fields.TextField(default="")
    source = fields.CharField(max_length=8)  # patient or staff
    recorded_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "stop_reason"
        indexes = (("clinic_id", "recorded_at"), ("patient_id", "recorded_at"))


class CourseSetting(Model):
    """How the clinic cuts a patient's sessions into courses (see shared.long_term)."""

    id = fields.BigIntField(primary_key=True)
    clinic: fields.OneToOneRelation[Clinic] = fields.OneToOneField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    gap_months = fields.SmallIntField()
    after_gap = fields.CharField(max_length=16)  # shared.long_term.AfterGap
    updated_at = fields.DatetimeField()

    class Meta:
        table = "course_setting"
