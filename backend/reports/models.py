from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.clinics.models import Clinic, StaffUser
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from shared.errors import Conflict


class SideEffectReport(Model):
    """A patient's report of side effects after one injection session (and so its product lot).

    A serious report (a severe symptom, or medical care needed) is never deleted, only annotated.
    Only deleting the patient removes it.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    # kept beside the patient so the clinic-wide lists and alerts are one indexed query
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="side_effect_reports", on_delete=fields.CASCADE
    )
    # NO ACTION: a session with reports cannot be deleted on its own, only with its patient
    injection_session: fields.ForeignKeyRelation[InjectionSession] = fields.ForeignKeyField(
        "models.InjectionSession", related_name="side_effect_reports", on_delete=fields.NO_ACTION
    )
    idempotency_key = fields.UUIDField()
    # sha256 of the normalised request, to tell a retry from a different report under the same key
    request_sha256 = fields.CharField(max_length=64)
    started_on = fields.DateField()
    notes = fields.TextField(default="")
    needed_medical_care = fields.BooleanField()
    max_severity = fields.SmallIntField()
    serious = fields.BooleanField()
    submitted_at = fields.DatetimeField(auto_now_add=True)
    acknowledged_at = fields.DatetimeField(null=True)
    acknowledged_by: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    symptoms: fields.ReverseRelation[SideEffectSymptom]
    annotations: fields.ReverseRelation[ReportAnnotation]

    class Meta:
        table = "side_effect_report"
        unique_together = (("patient", "idempotency_key"),)
        # column names, not relation names: Tortoise 1.1.9 migrations write index fields verbatim
        indexes = (
            ("clinic_id", "submitted_at"),
            ("clinic_id", "serious", "acknowledged_at"),
            ("patient_id", "submitted_at"),
            ("injection_session_id",),
        )

    async def delete(self, using_db=None) -> None:  # type: ignore[override]
        # the last line of defence: no code path may drop a serious report on its own
        if self.serious:
            raise Conflict("A serious side-effect report can never be deleted, only annotated.")
        await super().delete(using_db=using_db)


class SideEffectSymptom(Model):
    """One symptom of a report with its severity 0-3 (a row each, so rates per symptom are plain SQL)."""

    id = fields.BigIntField(primary_key=True)
    report: fields.ForeignKeyRelation[SideEffectReport] = fields.ForeignKeyField(
        "models.SideEffectReport", related_name="symptoms", on_delete=fields.CASCADE
    )
    symptom = fields.CharField(max_length=24)
    severity = fields.SmallIntField()

    class Meta:
        table = "side_effect_symptom"
        unique_together = (("report", "symptom"),)
        indexes = (("symptom", "severity"),)


class ReportAnnotation(Model):
    """A staff note on a side-effect report. Notes are only ever added."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    report: fields.ForeignKeyRelation[SideEffectReport] = fields.ForeignKeyField(
        "models.SideEffectReport", related_name="annotations", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation[StaffUser] = fields.ForeignKeyField(
        "models.StaffUser", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # the name as it was, so the note still says who wrote it after the account goes
    author_name = fields.CharField(max_length=200)
    text = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "report_annotation"
        indexes = (("report_id", "created_at"),)


class QuestionnaireResponse(Model):
    """A patient's self-assessment for one occasion, answered in one questionnaire version.

    Occasions are the baseline (month 0) and every 3 months after.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    clinic: fields.ForeignKeyRelation[Clinic] = fields.ForeignKeyField(
        "models.Clinic", related_name=False, on_delete=fields.CASCADE
    )
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="questionnaire_responses", on_delete=fields.CASCADE
    )
    idempotency_key = fields.UUIDField()
    request_sha256 = fields.CharField(max_length=64)
    version = fields.SmallIntField()
    occasion_month = fields.IntField()
    answered_at = fields.DatetimeField(auto_now_add=True)

    answers: fields.ReverseRelation[QuestionnaireAnswer]

    class Meta:
        table = "questionnaire_response"
        unique_together = (("patient", "idempotency_key"), ("patient", "occasion_month"))
        indexes = (("clinic_id", "answered_at"),)


class QuestionnaireAnswer(Model):
    """One answer of a self-assessment, on the scale of the response's version."""

    id = fields.BigIntField(primary_key=True)
    response: fields.ForeignKeyRelation[QuestionnaireResponse] = fields.ForeignKeyField(
        "models.QuestionnaireResponse", related_name="answers", on_delete=fields.CASCADE
    )
    question = fields.CharField(max_length=40)
    value = fields.SmallIntField()

    class Meta:
        table = "questionnaire_answer"
        unique_together = (("response", "question"),)
        indexes = (("question", "value"),)
