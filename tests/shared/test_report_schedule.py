"""Which report questions wait for a patient: check-ins after injections and the self-assessment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import report_schedule as rules
from shared.contract.injections import SessionStatus
from shared.schedule import PatientSchedule, ReminderKind, SessionInfo, plan_reminders

LONDON = PatientSchedule(baseline_on=date(2026, 1, 15), timezone="Europe/London")
SESSION_ID = str(uuid.UUID(int=7))
INJECTED = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # local day 2026-03-10


def _done(at: datetime = INJECTED, status: SessionStatus = SessionStatus.DONE) -> SessionInfo:
    return SessionInfo(id=SESSION_ID, scheduled_at=at, status=status, performed_at=at if status == SessionStatus.DONE else None)


def _keys(today: date, reported_on: dict[str, list[date]] | None = None, session: SessionInfo | None = None) -> list[str]:
    due = rules.side_effect_check_ins(LONDON, [session or _done()], reported_on or {}, today)
    return [q.dedupe_key for q in due]


def test_the_day_after_check_in_is_open_until_the_week_later_one_opens():
    day = date(2026, 3, 10)
    one, seven = f"side_effect_question:{SESSION_ID}:1d", f"side_effect_question:{SESSION_ID}:7d"
    expected = {0: [], 1: [one], 6: [one], 7: [seven], 13: [seven], 14: []}
    assert {d: _keys(day + timedelta(days=d)) for d in expected} == expected


def test_a_report_answers_the_check_ins_already_due_when_it_was_sent():
    day = date(2026, 3, 10)
    # sent on the day of the injection: answers neither
    assert _keys(day + timedelta(days=2), {SESSION_ID: [day]}) == [f"side_effect_question:{SESSION_ID}:1d"]
    # sent on day 3: the day-after check-in is done, the week-later one still comes
    assert _keys(day + timedelta(days=4), {SESSION_ID: [day + timedelta(days=3)]}) == []
    assert _keys(day + timedelta(days=7), {SESSION_ID: [day + timedelta(days=3)]}) == [f"side_effect_question:{SESSION_ID}:7d"]
    assert _keys(day + timedelta(days=8), {SESSION_ID: [day + timedelta(days=7)]}) == []
    session = _done()
    assert rules.check_ins_answered(LONDON, session, day + timedelta(days=3)) == [f"side_effect_question:{SESSION_ID}:1d"]


def test_only_given_injections_ask_about_side_effects():
    for status in (SessionStatus.SCHEDULED, SessionStatus.MISSED, SessionStatus.CANCELLED):
        assert _keys(date(2026, 3, 11), session=_done(status=status)) == []


def test_the_injection_day_is_the_patients_local_day():
    late_evening_in_new_york = datetime(2026, 3, 11, 2, 30, tzinfo=UTC)  # 22:30 on the 10th there
    new_york = PatientSchedule(baseline_on=date(2026, 1, 15), timezone="America/New_York")
    due = rules.side_effect_check_ins(new_york, [_done(late_evening_in_new_york)], {}, date(2026, 3, 11))
    assert [q.due_on for q in due] == [date(2026, 3, 11)]


def test_the_self_assessment_waits_until_answered_and_asks_the_occasions_questions():
    baseline_window = rules.self_assessment(LONDON, set(), date(2026, 1, 13))
    assert baseline_window is not None
    assert (baseline_window.checkin_month, baseline_window.question_ids) == (0, ["appearance"])
    assert rules.self_assessment(LONDON, set(), date(2026, 1, 11)) is None  # window not open yet
    month_three = rules.self_assessment(LONDON, {0}, date(2026, 4, 20))
    assert month_three is not None and month_three.checkin_month == 3 and len(month_three.question_ids) == 7
    assert month_three.kind == ReminderKind.SELF_ASSESSMENT_DUE and month_three.due_on == date(2026, 4, 15)
    assert rules.self_assessment(LONDON, {3}, date(2026, 4, 20)) is None


ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    baseline=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    injected_after=st.integers(min_value=0, max_value=400),
    hour=st.integers(min_value=0, max_value=23),
    reminder=st.times(min_value=time(8, 0), max_value=time(20, 59)).map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_every_due_question_is_the_reminder_the_schedule_plans(zone, baseline, injected_after, hour, reminder):
    patient = PatientSchedule(baseline_on=baseline, timezone=zone, reminder_time=reminder)
    injected = datetime.combine(baseline + timedelta(days=injected_after), time(hour), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    session = _done(injected)
    planned = {
        r.dedupe_key: r
        for r in plan_reminders(patient, [session], (), injected - timedelta(days=200), timedelta(days=600))
    }
    for days_later in range(0, 16):
        now = injected + timedelta(days=days_later)
        for question in rules.questions_due(patient, [session], {}, set(), now):
            reminder_planned = planned[question.dedupe_key]
            assert (reminder_planned.kind, reminder_planned.due_at) == (question.kind, question.due_at)
            today = now.astimezone(patient.zone).date()
            # a check-in opens on its day, a self-assessment with the photo window 3 days before
            opens = question.due_on - timedelta(days=3 if question.checkin_month is not None else 0)
            assert opens <= today
