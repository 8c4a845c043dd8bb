"""Notices: reminders no schedule plans, written into the outbox by an event (a refused photo),
delivered by the same workers, with the same generic words and no health information."""

from __future__ import annotations

import uuid
from datetime import datetime

from backend.reminders.models import Reminder
from shared.schedule import ReminderKind


async def photo_retake(patient_id: uuid.UUID, photo_id: uuid.UUID, checkin_month: int, at: datetime) -> None:
    """Ask the patient to take a refused photo again: one push per refused photo, sent once."""
    await Reminder.bulk_create(
        [
            Reminder(
                patient_id=patient_id,
                kind=ReminderKind.PHOTO_RETAKE,
                dedupe_key=f"{ReminderKind.PHOTO_RETAKE}:{photo_id}",
                due_at=at,
                next_attempt_at=at,
                checkin_month=checkin_month,
            )
        ],
        ignore_conflicts=True,
    )
