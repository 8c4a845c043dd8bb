"""Reminders as callers see them: the phone's push token, the patient's schedule, the clinic's history.

Other features never call the planner directly: they tell `backend.patients.changes` what changed,
inside their own transaction, and `backend.reminders.reactions` re-plans.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.enrolment.models import Device
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.push import validate_device_token
from backend.push.message import GENERIC_BODIES, GENERIC_TITLE
from backend.reminders.models import DeliveryAttempt, Reminder
from backend.reminders.planning import checkin_completed, extend_horizon, plan_for_patient, questions_answered
from backend.reports import due as report_questions
from shared.contract.reminders import (
    AttemptOutcome,
    DeliveryAttemptOut,
    MySchedule,
    PushTokenOut,
    PushTokenRegistration,
    ReminderHistory,
    ReminderOut,
    ReminderState,
    ScheduledReminder,
)
from shared.schedule import IOS_LOCAL_NOTIFICATION_LIMIT, PLANNED_KINDS, ReminderKind

__all__ = [
    "checkin_completed",
    "extend_horizon",
    "history",
    "my_schedule",
    "plan_for_patient",
    "questions_answered",
    "register_push_token",
]

WAITING = (ReminderState.PENDING, ReminderState.SENDING)

async def register_push_token(principal: PatientPrincipal, data: PushTokenRegistration) -> PushTokenOut:
    """Store this phone's push token (replacing any earlier one) and send to it again if it was disabled."""
    token = validate_device_token(data.platform, data.push_token, field="push_token")
    async with in_transaction():
        # a token belongs to one install: a phone enrolled again must not get two of everything
        await Device.filter(push_token=token).exclude(id=principal.device_id).update(push_token=None)
        await Device.filter(id=principal.device_id).update(
            platform=data.platform.value, push_token=token, push_disabled_at=None
        )
        await audit.record(
            principal, "device.push_token", "device", principal.device_id, patient_id=principal.patient_id,
            detail={"platform": data.platform.value},
        )
    return PushTokenOut(device_id=principal.device_id, platform=data.platform, push_registered=True)


async def my_schedule(principal: PatientPrincipal, *, limit: int, now: datetime | None = None) -> MySchedule:
    """The patient's next reminders, soonest first, for local notifications; and the questions waiting."""
    now = now or datetime.now(UTC)
    patient = await Patient.get(id=principal.patient_id).only("id", "timezone")
    upcoming = await Reminder.filter(
        patient_id=principal.patient_id, state__in=WAITING, due_at__gte=now, kind__in=PLANNED_KINDS
    ).order_by(
        "due_at", "dedupe_key"
    ).limit(min(limit, IOS_LOCAL_NOTIFICATION_LIMIT))
    return MySchedule(
        generated_at=now,
        timezone=patient.timezone,
        reminders=[
            ScheduledReminder(
                id=r.id,
                kind=ReminderKind(r.kind),
                due_at=r.due_at,
                title=GENERIC_TITLE,
                body=GENERIC_BODIES[ReminderKind(r.kind)],
                session_id=r.session_id,
                checkin_month=r.checkin_month,
            )
            for r in upcoming
        ],
        due_questions=await report_questions.questions_due(principal.patient_id, now),
    )


async def history(
    principal: StaffPrincipal,
    patient_id: uuid.UUID,
    *,
    state: ReminderState | None,
    offset: int,
    limit: int,
) -> ReminderHistory:
    """A patient's reminders, latest first, each with every delivery attempt; and a count per state."""
    patient = await patients.get_for_staff(principal, patient_id)
    query = Reminder.filter(patient_id=patient.id)
    if state is not None:
        query = query.filter(state=state)
    total = await query.count()
    page = await query.order_by("-due_at", "dedupe_key").offset(offset).limit(limit)
    attempts: dict[uuid.UUID, list[DeliveryAttemptOut]] = defaultdict(list)
    for a in await DeliveryAttempt.filter(reminder_id__in=[r.id for r in page]).order_by("at", "id"):
        attempts[a.reminder_id].append(  # type: ignore[attr-defined]
            DeliveryAttemptOut(
                at=a.at,
                attempt=a.attempt,
                provider=a.provider,
                outcome=AttemptOutcome(a.outcome),
                detail=a.detail,
                device_id=a.device_id,  # type: ignore[attr-defined]
            )
        )
    counted = (
        await Reminder.filter(patient_id=patient.id).annotate(n=Count("id")).group_by("state").values("state", "n")
    )
    counts = {s.value: 0 for s in ReminderState}
    counts.update({ReminderState(c["state"]).value: c["n"] for c in counted})
    await audit.read(
        principal, "reminder.history", patient_id=patient.id,
        detail={"state": state.value if state else None, "offset": offset, "shown": len(page)},
    )
    return ReminderHistory(
        items=[_reminder_out(r, attempts.get(r.id, [])) for r in page],
        total=total,
        offset=offset,
        limit=limit,
        counts=counts,
    )


def _reminder_out(reminder: Reminder, attempts: list[DeliveryAttemptOut]) -> ReminderOut:
    state = ReminderState(reminder.state)
    return ReminderOut(
        id=reminder.id,
        kind=ReminderKind(reminder.kind),
        due_at=reminder.due_at,
        state=state,
        attempts=reminder.attempts,
        next_attempt_at=reminder.next_attempt_at if state in WAITING else None,
        sent_at=reminder.sent_at,
        last_error=reminder.last_error,
        session_id=reminder.session_id,
        checkin_month=reminder.checkin_month,
        created_at=reminder.created_at,
        delivery_attempts=attempts,
    )
