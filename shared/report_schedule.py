"""Which report questions wait for a patient now: pure rules, so the app and the backend agree.

Side-effect check-ins: the day after and a week after each done injection
(`shared.schedule.SIDE_EFFECT_QUESTION_DAYS`). A check-in is open from its local due day for
SIDE_EFFECT_CHECK_IN_OPEN_DAYS days, or until the next check-in of the same injection opens,
whichever comes first; it is answered by any report on that injection sent on or after its due
day (a report on day 4 answers the day-1 check-in, not the week-later one).

Self-assessment: at baseline and every 3 months (`shared.questionnaire`), open from the day that
month's photo window opens until the next one opens; answered by a questionnaire for that month.

Each due question carries the `kind`, `dedupe_key` and time of the reminder
`shared.schedule.plan_reminders` plans for it, so the reminders outbox can match them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, timedelta

from shared import questionnaire as hgq
from shared.contract.injections import SessionStatus
from shared.contract.reports import DueQuestion
from shared.schedule import (
    SIDE_EFFECT_QUESTION_DAYS,
    PatientSchedule,
    ReminderKind,
    SessionInfo,
    after_quiet_hours,
    local_instant,
)

SIDE_EFFECT_CHECK_IN_OPEN_DAYS = 7


def injection_day(patient: PatientSchedule, session: SessionInfo) -> date:
    """The patient's local day of the injection: when it was given, else when it was booked."""
    return (session.performed_at or session.scheduled_at).astimezone(patient.zone).date()


def side_effect_key(session_id: str, days: int) -> str:
    return f"{ReminderKind.SIDE_EFFECT_QUESTION}:{session_id}:{days}d"


def self_assessment_key(month: int) -> str:
    return f"{ReminderKind.SELF_ASSESSMENT_DUE}:{month}"


def check_ins_answered(patient: PatientSchedule, session: SessionInfo, reported_on: date) -> list[str]:
    """The dedupe keys of the check-ins of `session` that a report sent on local `reported_on` answers."""
    day = injection_day(patient, session)
    return [side_effect_key(session.id, d) for d in SIDE_EFFECT_QUESTION_DAYS if day + timedelta(days=d) <= reported_on]


def side_effect_check_ins(
    patient: PatientSchedule,
    sessions: Iterable[SessionInfo],
    reported_on: Mapping[str, Collection[date]],
    today: date,
) -> list[DueQuestion]:
    """Open, unanswered check-ins; `reported_on` maps a session id to the local days reports on it were sent."""
    due: list[DueQuestion] = []
    days = sorted(SIDE_EFFECT_QUESTION_DAYS)
    for session in sessions:
        if session.status != SessionStatus.DONE:
            continue
        day = injection_day(patient, session)
        reports = reported_on.get(session.id, ())
        for index, after in enumerate(days):
            due_on = day + timedelta(days=after)
            closes_on = due_on + timedelta(days=SIDE_EFFECT_CHECK_IN_OPEN_DAYS)
            if index + 1 < len(days):
                closes_on = min(closes_on, day + timedelta(days=days[index + 1]))
            if not due_on <= today < closes_on or any(r >= due_on for r in reports):
                continue
            due.append(
                DueQuestion(
                    kind=ReminderKind.SIDE_EFFECT_QUESTION,
                    dedupe_key=side_effect_key(session.id, after),
                    due_on=due_on,
                    due_at=_reminder_at(patient, due_on),
                    session_id=uuid.UUID(session.id),
                    days_after_injection=after,
                )
            )
    return due


def self_assessment(
    patient: PatientSchedule, answered_months: Collection[int], today: date, version: int | None = None
) -> DueQuestion | None:
    """The open self-assessment when it is not answered yet, asked in `version` (default: the current one)."""
    version = hgq.QUESTIONNAIRE_VERSION if version is None else version
    month = hgq.occasion_for(patient.baseline_on, today)
    if hgq.occasion_opens_on(patient.baseline_on, month) > today or month in answered_months:
        return None
    due_on = hgq.occasion_due_on(patient.baseline_on, month)
    return DueQuestion(
        kind=ReminderKind.SELF_ASSESSMENT_DUE,
        dedupe_key=self_assessment_key(month),
        due_on=due_on,
        due_at=_reminder_at(patient, due_on),
        checkin_month=month,
        questionnaire_version=version,
        question_ids=[q.id for q in hgq.questions_asked(version, month)],
    )


def questions_due(
    patient: PatientSchedule,
    sessions: Iterable[SessionInfo],
    reported_on: Mapping[str, Collection[date]],
    answered_months: Collection[int],
    now: datetime,
) -> list[DueQuestion]:
    """Every question waiting for the patient at `now`, oldest first."""
    today = now.astimezone(patient.zone).date()
    due = side_effect_check_ins(patient, sessions, reported_on, today)
    assessment = self_assessment(patient, answered_months, today)
    if assessment is not None:
        due.append(assessment)
    return sorted(due, key=lambda q: (q.due_at, q.dedupe_key))


def _reminder_at(patient: PatientSchedule, day: date) -> datetime:
    # the same instant plan_reminders gives the matching reminder
    return after_quiet_hours(patient, local_instant(day, patient.reminder_time, patient.zone))
