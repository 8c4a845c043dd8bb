"""The report questions waiting for a patient, and the hook that tells other features a question
was answered. The rules themselves are pure and live in `shared.report_schedule`."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from tortoise.expressions import Q

from backend.injections.models import InjectionSession
from backend.patients.changes import QuestionsAnswered, tell
from backend.patients.models import Patient
from backend.patients.schedule import patient_schedule
from backend.reports.models import QuestionnaireResponse, SideEffectReport
from shared import report_schedule
from shared.clock import local_today
from shared.contract.injections import SessionStatus
from shared.contract.reports import DueQuestion
from shared.errors import NotFound
from shared.schedule import SIDE_EFFECT_QUESTION_DAYS, SessionInfo

# how far back a done injection can still have an open check-in
_LOOKBACK = timedelta(days=max(SIDE_EFFECT_QUESTION_DAYS) + report_schedule.SIDE_EFFECT_CHECK_IN_OPEN_DAYS + 2)


def session_info(session: InjectionSession) -> SessionInfo:
    return SessionInfo(
        id=str(session.id),
        scheduled_at=session.scheduled_at,
        status=SessionStatus(session.status),
        performed_at=session.performed_at,
    )


async def mark_answered(patient_id: uuid.UUID, dedupe_keys: list[str]) -> None:
    """Inside the answer's transaction: these questions (schedule dedupe keys) are answered."""
    if dedupe_keys:
        await tell(QuestionsAnswered(patient_id, tuple(dedupe_keys)))


async def questions_due(patient_id: uuid.UUID, now: datetime | None = None) -> list[DueQuestion]:
    """Side-effect check-ins and the self-assessment waiting for the patient at `now`, oldest first.

    Four indexed queries, whatever the patient's history. NotFound for an unknown patient.
    """
    now = now or datetime.now(UTC)
    patient = await Patient.filter(id=patient_id).first()
    if patient is None:
        raise NotFound("No such patient.")
    schedule = patient_schedule(patient, fallback=True)
    since = now - _LOOKBACK
    sessions = await InjectionSession.filter(patient_id=patient_id, status=SessionStatus.DONE).filter(
        Q(performed_at__gte=since) | Q(performed_at__isnull=True, scheduled_at__gte=since)
    )
    reported_on: dict[str, list[date]] = defaultdict(list)
    if sessions:
        rows = await SideEffectReport.filter(
            patient_id=patient_id, injection_session_id__in=[s.id for s in sessions]
        ).values_list("injection_session_id", "submitted_at")
        for session_id, submitted_at in rows:
            reported_on[str(session_id)].append(local_today(schedule.timezone, submitted_at))
    months = await self_assessment_months_answered(patient_id)
    return report_schedule.questions_due(schedule, [session_info(s) for s in sessions], reported_on, months, now)


async def self_assessment_months_answered(patient_id: uuid.UUID) -> set[int]:
    """The occasions (months from baseline) the patient has answered, for `plan_reminders`."""
    months = await QuestionnaireResponse.filter(patient_id=patient_id).values_list("occasion_month", flat=True)
    return {int(m) for m in months}
