"""Writing the outbox: the schedule rules' plan, diffed into reminder rows inside the caller's transaction.

A change that causes reminders (enrolment, a session scheduled, moved, cancelled or done, new
preferences, a check-in completed) calls `plan_for_patient` inside its own transaction, so the
outbox and the change commit together. `extend_horizon` walks every enrolled patient in batches
(a fixed number of queries per batch, never one per patient) to plan the days entering the horizon.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.patients.schedule import patient_schedule
from backend.reminders.models import CompletedMonth, Reminder
from shared.clock import utcnow
from shared.contract.injections import SessionStatus
from shared.contract.reminders import ReminderState
from shared.schedule import (
    PLANNED_KINDS,
    SIDE_EFFECT_QUESTION_DAYS,
    PlannedReminder,
    ReminderKind,
    ScheduleRuleError,
    SessionInfo,
    plan_reminders,
)

log = logging.getLogger(__name__)

# how far ahead the outbox is written; the nightly `extend_horizon` keeps it this far ahead
HORIZON = timedelta(days=60)
# due reminders not yet taken by a worker are still the planner's to cancel or move for this long
LOOKBACK = timedelta(days=1)
CHECKIN = "checkin"
SELF_ASSESSMENT = "self_assessment"
# features that plan reminders of their own kinds ("module:function"), imported on first use so this
# module imports none of them: `async (patient rows, since, until) -> {patient id: [PlannedReminder]}`,
# a fixed number of queries per batch
PLAN_SOURCES = ("backend.longterm.reminders:planned",)


@dataclass
class PlanReport:
    """What one planning pass changed in the outbox, and how many queries it took."""

    patients: int = 0
    inserted: int = 0
    moved: int = 0
    cancelled: int = 0
    skipped_patients: list[uuid.UUID] = field(default_factory=list)
    batches: int = 0

    def add(self, other: PlanReport) -> None:
        self.patients += other.patients
        self.inserted += other.inserted
        self.moved += other.moved
        self.cancelled += other.cancelled
        self.skipped_patients += other.skipped_patients
        self.batches += other.batches


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: uuid.UUID
    dedupe_key: str
    state: ReminderState
    due_at: datetime
    answered: bool = False


@dataclass
class OutboxChanges:
    inserts: list[tuple[str, PlannedReminder]] = field(default_factory=list)
    moves: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)
    cancels: list[uuid.UUID] = field(default_factory=list)


def outbox_key(planned: PlannedReminder, session_times: dict[str, datetime]) -> str:
    """The row's dedupe key: the schedule's key, plus the session time for injection reminders,
    so a moved session is reminded again even when the reminder for the old time already went."""
    at = session_times.get(planned.session_id or "")
    if planned.kind == ReminderKind.INJECTION_UPCOMING and at is not None:
        return f"{planned.dedupe_key}@{at.astimezone(UTC):%Y%m%dT%H%MZ}"
    return planned.dedupe_key


def diff_outbox(
    planned: Iterable[tuple[str, PlannedReminder]], existing: Iterable[OutboxRow], now: datetime
) -> OutboxChanges:
    """What to write so the outbox holds the plan: insert what is new and still ahead, move or revive
    rows whose time changed, cancel pending rows no longer planned. Rows a worker holds or has
    finished, and questions already answered, are never touched."""
    wanted = dict(planned)
    changes = OutboxChanges()
    seen: set[str] = set()
    for row in existing:
        seen.add(row.dedupe_key)
        if row.answered or row.state not in (ReminderState.PENDING, ReminderState.CANCELLED):
            continue
        plan = wanted.get(row.dedupe_key)
        if plan is None:
            if row.state == ReminderState.PENDING:
                changes.cancels.append(row.id)
        elif row.state == ReminderState.PENDING and row.due_at == plan.due_at:
            continue
        elif plan.due_at >= now:
            changes.moves.append((row.id, plan.due_at))
        elif row.state == ReminderState.PENDING:
            changes.cancels.append(row.id)  # its new time has already passed
    changes.inserts = [(key, p) for key, p in wanted.items() if key not in seen and p.due_at >= now]
    return changes


async def plan_for_patient(
    patient_id: uuid.UUID, now: datetime | None = None, *, check_preferences: bool = False
) -> PlanReport:
    """Bring one patient's outbox in line with their schedule. Call it inside the transaction of the
    change. Preferences the schedule rules refuse leave the outbox as it was and are logged; with
    `check_preferences` (the change that sets them) they raise ScheduleRuleError, a 400, instead."""
    rows = await _locked_patients(Patient.filter(id=patient_id))
    return await _plan_patients(rows, now or utcnow(), strict=check_preferences)


async def _locked_patients(query: QuerySet[Patient]) -> list[dict[str, Any]]:
    """The patients' schedule inputs, their rows locked until the transaction ends (PostgreSQL), so
    two planners of one patient take turns and the second reads what the first wrote. NO KEY UPDATE
    does not block inserting a session that points at the patient."""
    patients = await query.select_for_update(no_key=True, of=("patient",)).select_related("clinic")
    return [
        {
            "id": p.id,
            "baseline_date": p.baseline_date,
            "timezone": p.timezone,
            "check_in_time": p.check_in_time,
            "quiet_hours_start": p.quiet_hours_start,
            "quiet_hours_end": p.quiet_hours_end,
            "enrolled_at": p.enrolled_at,
            "clinic__injection_reminder_hours": p.clinic.injection_reminder_hours,
            "clinic_id": p.clinic_id,  # type: ignore[attr-defined]
        }
        for p in patients
    ]


async def extend_horizon(now: datetime | None = None, *, batch_size: int = 1000) -> PlanReport:
    """Plan every enrolled patient up to the horizon, `batch_size` patients per transaction.

    Queries per batch are fixed (patients, sessions, completed months, outbox rows, then the
    writes), whatever the batch holds. A patient whose preferences break a rule is skipped and logged.
    """
    now = now or utcnow()
    report = PlanReport()
    last_id: uuid.UUID | None = None
    while True:
        query = Patient.filter(enrolled_at__isnull=False)
        if last_id is not None:
            query = query.filter(id__gt=last_id)
        async with in_transaction():
            rows = await _locked_patients(query.order_by("id").limit(batch_size))
            if not rows:
                return report
            last_id = rows[-1]["id"]
            report.add(await _plan_patients(rows, now, strict=False))


async def _plan_patients(rows: Sequence[dict[str, Any]], now: datetime, *, strict: bool) -> PlanReport:
    report = PlanReport(patients=len(rows), batches=1)
    enrolled = [r for r in rows if r["enrolled_at"] is not None]
    ids = [r["id"] for r in rows]
    if not ids:
        return report
    plan_from = now - LOOKBACK
    existing = await _outbox_rows(ids, plan_from)
    sessions = await _sessions(enrolled, plan_from)
    completed = await _completed_months(enrolled)
    elsewhere = await _planned_elsewhere(enrolled, plan_from, now + HORIZON)
    changes = OutboxChanges()
    inserts: list[tuple[uuid.UUID, str, PlannedReminder]] = []
    for row in rows:
        patient_id = row["id"]
        rows_now = existing.get(patient_id, [])
        planned: list[tuple[str, PlannedReminder]] = []
        if row["enrolled_at"] is not None:
            try:
                planned = _plan_one(row, sessions.get(patient_id, []), completed.get(patient_id, {}), rows_now, now)
                planned += [(p.dedupe_key, p) for p in elsewhere.get(patient_id, [])]
            except ScheduleRuleError:
                if strict:
                    raise
                log.warning("reminders: patient %s has preferences the schedule rules refuse; skipped", patient_id)
                report.skipped_patients.append(patient_id)
                continue
        one = diff_outbox(planned, rows_now, now)
        inserts += [(patient_id, key, p) for key, p in one.inserts]
        changes.moves += one.moves
        changes.cancels += one.cancels
    await _write(inserts, changes, now)
    report.inserted, report.moved, report.cancelled = len(inserts), len(changes.moves), len(changes.cancels)
    return report


async def _planned_elsewhere(
    rows: Sequence[dict[str, Any]], since: datetime, until: datetime
) -> dict[uuid.UUID, list[PlannedReminder]]:
    found: dict[uuid.UUID, list[PlannedReminder]] = defaultdict(list)
    if not rows:
        return found
    for source in PLAN_SOURCES:
        module, name = source.split(":")
        planned = await getattr(importlib.import_module(module), name)(rows, since, until)
        for patient_id, reminders in planned.items():
            found[patient_id] += reminders
    return found


def _plan_one(
    row: dict[str, Any],
    sessions: list[SessionInfo],
    completed: dict[str, set[int]],
    existing: list[OutboxRow],
    now: datetime,
) -> list[tuple[str, PlannedReminder]]:
    schedule = patient_schedule(row, fallback=False)
    plan_from = now - LOOKBACK
    # reach as far as any pending row, so one planned further ahead earlier is still checked
    until = max([now + HORIZON, *(r.due_at + timedelta(seconds=1) for r in existing if r.state == ReminderState.PENDING)])
    planned = plan_reminders(
        schedule,
        sessions,
        completed.get(CHECKIN, set()),
        plan_from,
        until - plan_from,
        completed_self_assessments=completed.get(SELF_ASSESSMENT, set()),
    )
    session_times = {s.id: s.scheduled_at for s in sessions}
    return [(outbox_key(p, session_times), p) for p in planned]


async def _outbox_rows(patient_ids: list[uuid.UUID], since: datetime) -> dict[uuid.UUID, list[OutboxRow]]:
    values = await Reminder.filter(patient_id__in=patient_ids, due_at__gte=since, kind__in=PLANNED_KINDS).values(
        "id", "patient_id", "dedupe_key", "state", "due_at", "answered_at"
    )
    by_patient: dict[uuid.UUID, list[OutboxRow]] = defaultdict(list)
    for v in values:
        by_patient[v["patient_id"]].append(
            OutboxRow(v["id"], v["dedupe_key"], ReminderState(v["state"]), v["due_at"], v["answered_at"] is not None)
        )
    return by_patient


async def _sessions(rows: Sequence[dict[str, Any]], since: datetime) -> dict[uuid.UUID, list[SessionInfo]]:
    if not rows:
        return {}
    # side-effect questions follow a done session by up to a week; upcoming reminders need the session ahead
    question_reach = since - timedelta(days=max(SIDE_EFFECT_QUESTION_DAYS) + 2)
    values = await InjectionSession.filter(
        Q(patient_id__in=[r["id"] for r in rows]),
        Q(status=SessionStatus.SCHEDULED, scheduled_at__gt=since)
        | Q(status=SessionStatus.DONE, scheduled_at__gte=question_reach)
        | Q(status=SessionStatus.DONE, performed_at__gte=question_reach),
    ).values("id", "patient_id", "status", "scheduled_at", "performed_at")
    by_patient: dict[uuid.UUID, list[SessionInfo]] = defaultdict(list)
    for v in values:
        by_patient[v["patient_id"]].append(
            SessionInfo(
                id=str(v["id"]),
                scheduled_at=v["scheduled_at"],
                status=SessionStatus(v["status"]),
                performed_at=v["performed_at"],
            )
        )
    return by_patient


async def _completed_months(rows: Sequence[dict[str, Any]]) -> dict[uuid.UUID, dict[str, set[int]]]:
    if not rows:
        return {}
    values = await CompletedMonth.filter(patient_id__in=[r["id"] for r in rows]).values("patient_id", "task", "month")
    by_patient: dict[uuid.UUID, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for v in values:
        by_patient[v["patient_id"]][v["task"]].add(v["month"])
    return by_patient


async def _write(inserts: list[tuple[uuid.UUID, str, PlannedReminder]], changes: OutboxChanges, now: datetime) -> None:
    if inserts:
        # a key already used long ago (outside the rows looked at) keeps its old row: insert nothing then
        await Reminder.bulk_create(
            [
                Reminder(
                    patient_id=patient_id,
                    kind=p.kind,
                    dedupe_key=key,
                    due_at=p.due_at,
                    next_attempt_at=p.due_at,
                    session_id=uuid.UUID(p.session_id) if p.session_id else None,
                    checkin_month=p.checkin_month,
                )
                for patient_id, key, p in inserts
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
    if changes.cancels:
        await Reminder.filter(id__in=changes.cancels, state=ReminderState.PENDING).update(
            state=ReminderState.CANCELLED, updated_at=now
        )
    for row_id, due_at in changes.moves:
        # a worker may have taken it meanwhile: only rows still waiting move
        await Reminder.filter(id=row_id, state__in=[ReminderState.PENDING, ReminderState.CANCELLED]).update(
            state=ReminderState.PENDING, due_at=due_at, next_attempt_at=due_at, attempts=0, last_error="", updated_at=now
        )


async def checkin_completed(patient_id: uuid.UUID, month: int, now: datetime | None = None) -> None:
    """Check-in `month` is done: its due and missed-check-in reminders stop. Call it inside the
    transaction that completes the check-in."""
    now = now or utcnow()
    await CompletedMonth.bulk_create(
        [CompletedMonth(patient_id=patient_id, task=CHECKIN, month=month, completed_at=now)], ignore_conflicts=True
    )
    await plan_for_patient(patient_id, now)


async def questions_answered(patient_id: uuid.UUID, dedupe_keys: list[str], now: datetime | None = None) -> None:
    """The patient answered these questions (side-effect check-ins, a self-assessment), named by their
    schedule dedupe keys: reminders still waiting for them stop, and they are never planned again.
    Called on `QuestionsAnswered` (backend.patients.changes), so it runs in the answer's transaction."""
    now = now or utcnow()
    if not dedupe_keys:
        return
    mine = Reminder.filter(patient_id=patient_id, dedupe_key__in=dedupe_keys)
    await mine.filter(state=ReminderState.PENDING).update(state=ReminderState.CANCELLED, updated_at=now)
    await mine.filter(answered_at=None).update(answered_at=now)
    prefix = f"{ReminderKind.SELF_ASSESSMENT_DUE}:"
    months = [int(k.removeprefix(prefix)) for k in dedupe_keys if k.startswith(prefix) and k.removeprefix(prefix).isdigit()]
    if months:
        await CompletedMonth.bulk_create(
            [CompletedMonth(patient_id=patient_id, task=SELF_ASSESSMENT, month=m, completed_at=now) for m in months],
            ignore_conflicts=True,
        )
