"""How the reminders outbox reacts to patient changes (backend.patients.changes), in their transaction."""

from __future__ import annotations

from backend.patients.changes import CheckInCompleted, PhotoRefused, QuestionsAnswered, ScheduleChanged
from backend.reminders import notices, planning


async def schedule_changed(change: ScheduleChanged) -> None:
    await planning.plan_for_patient(change.patient_id, change.at, check_preferences=change.check_preferences)


async def checkin_completed(change: CheckInCompleted) -> None:
    await planning.checkin_completed(change.patient_id, change.month, change.at)


async def questions_answered(change: QuestionsAnswered) -> None:
    await planning.questions_answered(change.patient_id, list(change.dedupe_keys), change.at)


async def photo_refused(change: PhotoRefused) -> None:
    await notices.photo_retake(change.patient_id, change.photo_id, change.checkin_month, change.at)
