"""The photo-less safety check-ins are reminded with the rest of the patient's reminders: planned
for the day each opens, stopped once answered, cancelled when a new session comes first."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from backend.auth.principal import PatientPrincipal
from backend.injections.models import InjectionSession
from backend.longterm import safety
from backend.reminders import planning
from backend.reminders.models import Reminder
from shared.contract.long_term import SafetyAnswerCreate
from shared.contract.reminders import ReminderState
from tests.backend.longterm.rows import done_session

KEY = "safety_check_in:after_course:2026-03-01:3"


@pytest.mark.today("2026-04-20")
async def test_a_safety_check_in_is_reminded_on_its_day_and_stops_once_answered(world):
    await InjectionSession.filter(id=world.ids["injection_a"]).delete()
    for day in (date(2026, 2, 1), date(2026, 3, 1)):
        await done_session(world.ids["patient_a"], world.ids["clinic_x"], day)
    await planning.plan_for_patient(world.ids["patient_a"])
    [reminder] = await Reminder.filter(patient_id=world.ids["patient_a"], kind="safety_check_in")
    # 1 June 2026, the patient's reminder time (18:00 in London, summer time)
    assert (reminder.dedupe_key, reminder.due_at) == (KEY, datetime(2026, 6, 1, 17, 0, tzinfo=UTC))

    patient = PatientPrincipal(patient_id=world.ids["patient_a"], clinic_id=world.ids["clinic_x"], device_id=uuid.uuid4())
    answer = SafetyAnswerCreate(
        idempotency_key=uuid.uuid4(), occasion="after_course", month=3, course_ends_on=date(2026, 3, 1), anything_new=False
    )
    await safety.answer(patient, answer, now=datetime(2026, 6, 1, 9, tzinfo=UTC))
    await reminder.refresh_from_db()
    assert reminder.state == ReminderState.CANCELLED and reminder.answered_at is not None
    await planning.plan_for_patient(world.ids["patient_a"])
    assert await Reminder.filter(patient_id=world.ids["patient_a"], kind="safety_check_in", state="pending").count() == 0


@pytest.mark.today("2026-04-20")
async def test_a_new_session_before_the_check_in_opens_cancels_its_reminder(world):
    await InjectionSession.filter(id=world.ids["injection_a"]).delete()
    await done_session(world.ids["patient_a"], world.ids["clinic_x"], date(2026, 3, 1))
    await planning.plan_for_patient(world.ids["patient_a"])
    assert await Reminder.filter(dedupe_key=KEY, state="pending").count() == 1
    await done_session(world.ids["patient_a"], world.ids["clinic_x"], date(2026, 4, 15))
    await planning.plan_for_patient(world.ids["patient_a"])
    assert await Reminder.filter(dedupe_key=KEY, state="pending").count() == 0
    assert await Reminder.filter(dedupe_key="safety_check_in:after_course:2026-04-15:3", state="pending").count() == 0  # 15 July: past the horizon
