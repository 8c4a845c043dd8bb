from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from backend.enrolment.models import Device
from backend.patients.models import Patient
from shared.contract.reminders import ReminderState
from shared.schedule import ReminderKind


class Reminder(Model):
    """One reminder in the outbox, written in the transaction of the change that caused it.

    `next_attempt_at` is when a worker may next take it: its due time, a retry time after a
    temporary failure, or the end of the lease of the worker now sending it.
    """

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name="reminders", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ReminderKind, max_length=24)
    # the schedule's key, plus the session time for injection reminders (a moved session is a new reminder)
    dedupe_key = fields.CharField(max_length=120)
    due_at = fields.DatetimeField()
    session_id = fields.UUIDField(null=True)
    checkin_month = fields.IntField(null=True)
    state = fields.CharEnumField(ReminderState, max_length=12, default=ReminderState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claim_token = fields.UUIDField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    last_error = fields.CharField(max_length=500, default="")
    sent_at = fields.DatetimeField(null=True)
    # questions (side effects, self-assessment): when the patient answered
    answered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "reminder"
        unique_together = (("patient", "dedupe_key"),)
        indexes = (("state", "next_attempt_at"), ("patient_id", "due_at"))


class DeliveryAttempt(Model):
    """One try at delivering a reminder to one phone (or to the outbox), and what came of it."""

    id = fields.BigIntField(primary_key=True)
    reminder: fields.ForeignKeyRelation[Reminder] = fields.ForeignKeyField(
        "models.Reminder", related_name="delivery_attempts", on_delete=fields.CASCADE
    )
    device: fields.ForeignKeyNullableRelation[Device] = fields.ForeignKeyField(
        "models.Device", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    attempt = fields.IntField()
    provider = fields.CharField(max_length=16)
    outcome = fields.CharField(max_length=24)
    detail = fields.CharField(max_length=500, default="")
    at = fields.DatetimeField()

    class Meta:
        table = "reminder_delivery_attempt"
        indexes = (("reminder_id", "at"),)


class CompletedMonth(Model):
    """A month whose check-in or self-assessment the patient has done, so its reminders stop."""

    id = fields.BigIntField(primary_key=True)
    patient: fields.ForeignKeyRelation[Patient] = fields.ForeignKeyField(
        "models.Patient", related_name=False, on_delete=fields.CASCADE
    )
    task = fields.CharField(max_length=20)  # checkin, self_assessment
    month = fields.IntField()
    completed_at = fields.DatetimeField()

    class Meta:
        table = "reminder_completed_month"
        unique_together = (("patient", "task", "month"),)
