"""Reminder schedule rules: properties over random patients, plus the clinic's concrete defaults."""

from __future__ import annotations

import calendar
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.errors import ErrorCode, FollicleError
from shared.schedule import (
    PatientSchedule,
    PlannedReminder,
    ReminderKind,
    ScheduleRuleError,
    SessionInfo,
    SessionStatus,
    checkin_due_dates,
    checkin_due_on,
    checkin_label,
    checkin_month_for,
    checkin_window,
    local_instant,
    plan_reminders,
    rolling_window,
)

ROOT = Path(__file__).resolve().parents[2]
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
WALL_ANCHORED = {
    ReminderKind.CHECKIN_DUE,
    ReminderKind.CHECKIN_MISSED,
    ReminderKind.SIDE_EFFECT_QUESTION,
    ReminderKind.SELF_ASSESSMENT_DUE,
}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _dst_change_days(zone_name: str) -> list[date]:
    """Local days in 2024-2026 on which the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)
    day, days = date(2024, 1, 1), []
    while day < date(2027, 1, 1):
        before = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
        after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).utcoffset()
        if before != after:
            days.append(day)
        day += timedelta(days=1)
    return days


DST_DAYS = {name: _dst_change_days(name) for name in ZONES}
DST_ZONES = [name for name in ZONES if DST_DAYS[name]]


def _quiet(wall: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def _wall_exists(day: date, wall: time, zone: ZoneInfo) -> bool:
    local = datetime.combine(day, wall, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == datetime.combine(day, wall)


minutes_of_day = st.integers(0, 23).flatmap(lambda h: st.sampled_from([time(h, m) for m in (0, 15, 30, 45)]))
quiet_hours = st.one_of(
    st.just((time(21), time(8))),
    st.tuples(st.integers(19, 23), st.integers(5, 9)).map(lambda hs: (time(hs[0]), time(hs[1], 30))),
    st.tuples(st.integers(10, 16), st.integers(1, 3)).map(lambda p: (time(p[0]), time(p[0] + p[1]))),
    st.just((time(0), time(0))),
)


@st.composite
def patients(draw: st.DrawFn, zones: list[str] = ZONES) -> PatientSchedule:
    quiet_start, quiet_end = draw(quiet_hours)
    offsets = draw(st.lists(st.integers(30, 14 * 24 * 60), min_size=1, max_size=4, unique=True))
    return PatientSchedule(
        baseline_on=draw(st.dates(date(2020, 1, 1), date(2027, 12, 31))),
        timezone=draw(st.sampled_from(zones)),
        quiet_hours_start=quiet_start,
        quiet_hours_end=quiet_end,
        reminder_time=draw(minutes_of_day),
        injection_offsets=tuple(timedelta(minutes=m) for m in offsets),
    )


@st.composite
def plans(draw: st.DrawFn):
    patient = draw(patients())
    baseline_utc = datetime.combine(patient.baseline_on, time(12), tzinfo=UTC)
    now = baseline_utc + timedelta(minutes=draw(st.integers(-60 * 24 * 60, 3 * 365 * 24 * 60)))
    sessions = [
        SessionInfo(
            id=f"session-{index}",
            scheduled_at=now + timedelta(minutes=draw(st.integers(-90 * 24 * 60, 120 * 24 * 60))),
            status=draw(st.sampled_from(list(SessionStatus))),
        )
        for index in range(draw(st.integers(0, 6)))
    ]
    completed = draw(st.sets(st.integers(0, 40), max_size=10))
    horizon = timedelta(days=draw(st.sampled_from([0, 1, 7, 30, 61, 120])), minutes=draw(st.integers(0, 24 * 60)))
    return patient, sessions, completed, now, horizon


# --- properties ---------------------------------------------------------------------------------


@SETTINGS
@given(plans())
def test_no_reminder_in_quiet_hours_in_the_past_or_beyond_the_horizon(plan) -> None:
    patient, sessions, completed, now, horizon = plan
    for reminder in plan_reminders(patient, sessions, completed, now, horizon):
        assert reminder.due_at.tzinfo is UTC
        assert now <= reminder.due_at < now + horizon
        local = reminder.due_at.astimezone(patient.zone)
        assert not _quiet(local.time(), patient.quiet_hours_start, patient.quiet_hours_end), reminder


@SETTINGS
@given(plans())
def test_dedupe_keys_are_unique_and_reminders_come_soonest_first(plan) -> None:
    reminders = plan_reminders(*plan)
    keys = [r.dedupe_key for r in reminders]
    assert len(keys) == len(set(keys))
    assert [r.due_at for r in reminders] == sorted(r.due_at for r in reminders)
    for reminder in reminders:
        assert reminder.dedupe_key.startswith(f"{reminder.kind}:")


@SETTINGS
@given(plans(), st.floats(0, 1))
def test_planning_in_two_steps_gives_the_same_plan_as_in_one(plan, split) -> None:
    # the backend's sweep plans ahead a little at a time; the pieces must add up to the whole
    patient, sessions, completed, now, horizon = plan
    whole = plan_reminders(patient, sessions, completed, now, horizon)
    middle = now + horizon * split
    first = plan_reminders(patient, sessions, completed, now, middle - now)
    second = plan_reminders(patient, sessions, completed, middle, now + horizon - middle)
    assert first + second == whole


@SETTINGS
@given(plans())
def test_wall_anchored_reminders_land_on_the_reminder_time_or_the_end_of_quiet_hours(plan) -> None:
    patient, sessions, completed, now, horizon = plan
    zone = patient.zone
    quiet = _quiet(patient.reminder_time, patient.quiet_hours_start, patient.quiet_hours_end)
    wall = patient.quiet_hours_end if quiet else patient.reminder_time
    for reminder in plan_reminders(patient, sessions, completed, now, horizon):
        if reminder.kind not in WALL_ANCHORED:
            continue
        local = reminder.due_at.astimezone(zone)
        if _wall_exists(local.date(), wall, zone):
            assert local.time() == wall, reminder
        else:
            # skipped by a DST change: moved forward by the gap, never onto a time that does not exist
            assert wall < local.time() <= (datetime.combine(local.date(), wall) + timedelta(hours=1)).time()


@SETTINGS
@given(plans())
def test_checkin_reminders_fall_on_their_month_anniversary_and_respect_completion(plan) -> None:
    patient, sessions, completed, now, horizon = plan
    patient = msgspec.structs.replace(
        patient, reminder_time=time(18), quiet_hours_start=time(21), quiet_hours_end=time(8)
    )
    for reminder in plan_reminders(patient, sessions, completed, now, horizon):
        if reminder.checkin_month is None:
            continue
        month = reminder.checkin_month
        due_on = checkin_due_on(patient.baseline_on, month)
        local_day = reminder.due_at.astimezone(patient.zone).date()
        if reminder.kind == ReminderKind.CHECKIN_MISSED:
            assert month not in completed
            assert reminder.dedupe_key in (f"checkin_missed:{month}:3d", f"checkin_missed:{month}:7d")
            assert (local_day - due_on).days == int(reminder.dedupe_key.rsplit(":", 1)[1][:-1])
        else:
            assert local_day == due_on
        if reminder.kind == ReminderKind.CHECKIN_DUE:
            assert month not in completed
        if reminder.kind == ReminderKind.SELF_ASSESSMENT_DUE:
            assert month % 3 == 0


@SETTINGS
@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.integers(0, 600))
def test_month_anniversaries_never_drift(baseline: date, month: int) -> None:
    due_on = checkin_due_on(baseline, month)
    months_later = baseline.year * 12 + baseline.month - 1 + month
    year, month_index = divmod(months_later, 12)
    assert (due_on.year, due_on.month) == (year, month_index + 1)
    assert due_on.day == min(baseline.day, calendar.monthrange(due_on.year, due_on.month)[1])


@SETTINGS
@given(
    st.sampled_from(DST_ZONES).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(DST_DAYS[name]), st.integers(-3, 3))
    ),
    st.integers(-40, 0),
)
def test_an_0800_local_reminder_stays_0800_local_across_a_dst_change(change, baseline_shift) -> None:
    zone_name, change_day, day_shift = change
    session_day = change_day + timedelta(days=day_shift)
    patient = PatientSchedule(
        baseline_on=session_day + timedelta(days=baseline_shift),
        timezone=zone_name,
        reminder_time=time(8),
    )
    zone = patient.zone
    # 09:00 local: the 2-hour reminder falls at 07:00, inside quiet hours, and moves to 08:00
    session_at = local_instant(session_day, time(9), zone)
    sessions = [
        SessionInfo(id="upcoming", scheduled_at=session_at),
        SessionInfo(id="given", scheduled_at=session_at - timedelta(days=8), status=SessionStatus.DONE),
    ]
    now = session_at - timedelta(days=40)
    reminders = plan_reminders(patient, sessions, set(), now, timedelta(days=80))
    two_hours = next(r for r in reminders if r.dedupe_key == "injection_upcoming:upcoming:2h")
    assert two_hours.due_at.astimezone(zone).time() == time(8)
    day_before = next(r for r in reminders if r.dedupe_key == "injection_upcoming:upcoming:24h")
    assert session_at - day_before.due_at == timedelta(hours=24)  # offsets are elapsed time
    anchored = [r for r in reminders if r.kind in WALL_ANCHORED]
    assert anchored
    assert {r.due_at.astimezone(zone).time() for r in anchored} == {time(8)}


@SETTINGS
@given(plans(), st.integers(0, 80))
def test_rolling_window_keeps_the_soonest_future_reminders(plan, limit) -> None:
    patient, sessions, completed, now, horizon = plan
    reminders = plan_reminders(patient, sessions, completed, now - timedelta(days=10), horizon)
    window = rolling_window(reminders, now, limit=limit)
    future = [r for r in reminders if r.due_at >= now]
    assert len(window) == min(limit, len(future))
    assert all(r.due_at >= now for r in window)
    left_out = [r for r in future if r not in window]
    if window and left_out:
        assert max(r.due_at for r in window) <= min(r.due_at for r in left_out)


# --- concrete defaults --------------------------------------------------------------------------

LONDON = PatientSchedule(baseline_on=date(2025, 1, 15), timezone="Europe/London")
NOW = datetime(2025, 1, 20, 12, tzinfo=UTC)


def _keys(reminders: list[PlannedReminder], kind: ReminderKind) -> dict[str, datetime]:
    return {r.dedupe_key: r.due_at for r in reminders if r.kind == kind}


def test_defaults_are_the_clinics_defaults() -> None:
    assert LONDON.injection_offsets == (timedelta(hours=72), timedelta(hours=24), timedelta(hours=2))
    assert (LONDON.quiet_hours_start, LONDON.quiet_hours_end) == (time(21), time(8))
    assert LONDON.reminder_time == time(18)
    assert (LONDON.window_opens_days_before, LONDON.window_closes_days_after) == (3, 7)


def test_injection_reminders_72_24_and_2_hours_before_a_session() -> None:
    session_at = datetime(2025, 2, 12, 14, 30, tzinfo=UTC)
    reminders = plan_reminders(LONDON, [SessionInfo(id="s1", scheduled_at=session_at)], {0}, NOW, timedelta(days=60))
    assert _keys(reminders, ReminderKind.INJECTION_UPCOMING) == {
        "injection_upcoming:s1:72h": session_at - timedelta(hours=72),
        "injection_upcoming:s1:24h": session_at - timedelta(hours=24),
        "injection_upcoming:s1:2h": session_at - timedelta(hours=2),
    }
    assert {r.session_id for r in reminders if r.kind == ReminderKind.INJECTION_UPCOMING} == {"s1"}


def test_the_clinic_can_change_the_injection_offsets() -> None:
    patient = msgspec.structs.replace(LONDON, injection_offsets=(timedelta(hours=48), timedelta(minutes=90)))
    session_at = datetime(2025, 2, 12, 14, 30, tzinfo=UTC)
    reminders = plan_reminders(patient, [SessionInfo(id="s1", scheduled_at=session_at)], {0}, NOW, timedelta(days=60))
    assert _keys(reminders, ReminderKind.INJECTION_UPCOMING) == {
        "injection_upcoming:s1:48h": session_at - timedelta(hours=48),
        "injection_upcoming:s1:90m": session_at - timedelta(minutes=90),
    }


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.MISSED])
def test_no_injection_reminder_for_a_cancelled_or_missed_session(status: SessionStatus) -> None:
    session = SessionInfo(id="s1", scheduled_at=datetime(2025, 2, 12, 14, tzinfo=UTC), status=status)
    reminders = plan_reminders(LONDON, [session], {0}, NOW, timedelta(days=60))
    assert [r for r in reminders if r.session_id == "s1"] == []


def test_no_injection_reminder_for_a_session_already_past() -> None:
    session = SessionInfo(id="s1", scheduled_at=NOW - timedelta(hours=1))
    assert _keys(plan_reminders(LONDON, [session], {0}, NOW, timedelta(days=60)), ReminderKind.INJECTION_UPCOMING) == {}


def test_only_the_reminders_still_ahead_are_planned_for_an_imminent_session() -> None:
    session = SessionInfo(id="s1", scheduled_at=NOW + timedelta(hours=30))
    reminders = plan_reminders(LONDON, [session], {0}, NOW, timedelta(days=60))
    assert set(_keys(reminders, ReminderKind.INJECTION_UPCOMING)) == {
        "injection_upcoming:s1:24h",
        "injection_upcoming:s1:2h",
    }


def test_an_early_morning_session_loses_the_reminder_quiet_hours_would_push_past_it() -> None:
    # 07:30 London: 2 h before is 05:30, quiet; 08:00 would be after the session
    session = SessionInfo(id="s1", scheduled_at=datetime(2025, 2, 12, 7, 30, tzinfo=UTC))
    keys = _keys(plan_reminders(LONDON, [session], {0}, NOW, timedelta(days=60)), ReminderKind.INJECTION_UPCOMING)
    assert set(keys) == {"injection_upcoming:s1:72h", "injection_upcoming:s1:24h"}


def test_missed_checkin_nudges_3_and_7_days_after_the_due_date_at_1800_local() -> None:
    reminders = plan_reminders(LONDON, [], {0}, NOW, timedelta(days=40))
    assert _keys(reminders, ReminderKind.CHECKIN_DUE) == {"checkin_due:1": datetime(2025, 2, 15, 18, tzinfo=UTC)}
    assert _keys(reminders, ReminderKind.CHECKIN_MISSED) == {
        "checkin_missed:1:3d": datetime(2025, 2, 18, 18, tzinfo=UTC),
        "checkin_missed:1:7d": datetime(2025, 2, 22, 18, tzinfo=UTC),
    }


def test_no_nudge_once_the_checkin_is_complete() -> None:
    after_due = datetime(2025, 2, 16, 9, tzinfo=UTC)
    assert _keys(plan_reminders(LONDON, [], {0}, after_due, timedelta(days=10)), ReminderKind.CHECKIN_MISSED)
    done = plan_reminders(LONDON, [], {0, 1}, after_due, timedelta(days=10))
    assert [r for r in done if r.checkin_month == 1] == []


def test_summer_checkin_reminders_are_1800_british_summer_time() -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    reminders = plan_reminders(LONDON, [], set(), now, timedelta(days=20))
    assert _keys(reminders, ReminderKind.CHECKIN_DUE) == {"checkin_due:5": datetime(2025, 6, 15, 17, tzinfo=UTC)}


def test_side_effect_questions_the_day_after_and_a_week_after_an_injection() -> None:
    given_at = datetime(2025, 1, 21, 10, tzinfo=UTC)
    session = SessionInfo(id="s1", scheduled_at=given_at, status=SessionStatus.DONE)
    reminders = plan_reminders(LONDON, [session], {0}, NOW, timedelta(days=20))
    assert _keys(reminders, ReminderKind.SIDE_EFFECT_QUESTION) == {
        "side_effect_question:s1:1d": datetime(2025, 1, 22, 18, tzinfo=UTC),
        "side_effect_question:s1:7d": datetime(2025, 1, 28, 18, tzinfo=UTC),
    }


def test_side_effect_questions_count_from_when_the_injection_was_given() -> None:
    session = SessionInfo(
        id="s1",
        scheduled_at=datetime(2025, 1, 21, 10, tzinfo=UTC),
        performed_at=datetime(2025, 1, 23, 10, tzinfo=UTC),
        status=SessionStatus.DONE,
    )
    reminders = plan_reminders(LONDON, [session], {0}, NOW, timedelta(days=20))
    assert _keys(reminders, ReminderKind.SIDE_EFFECT_QUESTION)["side_effect_question:s1:1d"] == datetime(
        2025, 1, 24, 18, tzinfo=UTC
    )


def test_self_assessment_at_baseline_and_every_three_months() -> None:
    before_baseline = datetime(2025, 1, 1, tzinfo=UTC)
    reminders = plan_reminders(LONDON, [], set(), before_baseline, timedelta(days=380))
    assert {r.checkin_month for r in reminders if r.kind == ReminderKind.SELF_ASSESSMENT_DUE} == {0, 3, 6, 9, 12}
    skipped = plan_reminders(LONDON, [], set(), before_baseline, timedelta(days=380), completed_self_assessments={3})
    assert {r.checkin_month for r in skipped if r.kind == ReminderKind.SELF_ASSESSMENT_DUE} == {0, 6, 9, 12}


def test_a_late_evening_reminder_time_moves_to_0800_the_next_morning() -> None:
    patient = msgspec.structs.replace(LONDON, reminder_time=time(22, 30))
    reminders = plan_reminders(patient, [], {0}, NOW, timedelta(days=30))
    assert _keys(reminders, ReminderKind.CHECKIN_DUE) == {"checkin_due:1": datetime(2025, 2, 16, 8, tzinfo=UTC)}


def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    patient = msgspec.structs.replace(
        LONDON, quiet_hours_start=time(13), quiet_hours_end=time(14), reminder_time=time(13, 30)
    )
    reminders = plan_reminders(patient, [], {0}, NOW, timedelta(days=30))
    assert _keys(reminders, ReminderKind.CHECKIN_DUE) == {"checkin_due:1": datetime(2025, 2, 15, 14, tzinfo=UTC)}
    late = msgspec.structs.replace(patient, reminder_time=time(23, 30))
    assert _keys(plan_reminders(late, [], {0}, NOW, timedelta(days=30)), ReminderKind.CHECKIN_DUE) == {
        "checkin_due:1": datetime(2025, 2, 15, 23, 30, tzinfo=UTC)
    }


@pytest.mark.parametrize(
    ("zone_name", "spring_forward", "expected_utc"),
    [
        ("America/New_York", date(2025, 3, 9), datetime(2025, 3, 9, 7, 30, tzinfo=UTC)),
        ("Europe/London", date(2025, 3, 30), datetime(2025, 3, 30, 1, 30, tzinfo=UTC)),
        ("Australia/Sydney", date(2025, 10, 5), datetime(2025, 10, 4, 16, 30, tzinfo=UTC)),
    ],
)
def test_a_reminder_time_skipped_by_dst_moves_forward_by_the_gap(zone_name, spring_forward, expected_utc) -> None:
    wall = time(2, 30) if zone_name != "Europe/London" else time(1, 30)
    patient = PatientSchedule(
        baseline_on=spring_forward, timezone=zone_name, quiet_hours_start=time(0), quiet_hours_end=time(0), reminder_time=wall
    )
    reminders = plan_reminders(patient, [], set(), datetime.combine(spring_forward, time(0), tzinfo=UTC) - timedelta(days=1), timedelta(days=2))
    due = _keys(reminders, ReminderKind.CHECKIN_DUE)["checkin_due:0"]
    assert due == expected_utc
    assert due.astimezone(ZoneInfo(zone_name)).time() == (datetime.combine(spring_forward, wall) + timedelta(hours=1)).time()


def test_a_reminder_time_that_happens_twice_is_the_first_of_the_two() -> None:
    patient = PatientSchedule(
        baseline_on=date(2025, 11, 2),
        timezone="America/New_York",
        quiet_hours_start=time(0),
        quiet_hours_end=time(0),
        reminder_time=time(1, 30),
    )
    reminders = plan_reminders(patient, [], set(), datetime(2025, 11, 1, tzinfo=UTC), timedelta(days=2))
    assert _keys(reminders, ReminderKind.CHECKIN_DUE)["checkin_due:0"] == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)


def test_kolkata_has_no_dst_and_a_half_hour_offset() -> None:
    patient = PatientSchedule(baseline_on=date(2025, 3, 30), timezone="Asia/Kolkata")
    reminders = plan_reminders(patient, [], set(), datetime(2025, 3, 1, tzinfo=UTC), timedelta(days=200))
    assert {r.due_at.time() for r in reminders if r.kind == ReminderKind.CHECKIN_DUE} == {time(12, 30)}


def test_month_end_baseline_never_drifts() -> None:
    assert checkin_due_dates(date(2025, 1, 31), 4) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]
    assert checkin_due_on(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert checkin_due_on(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert checkin_due_on(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_checkin_window_opens_3_days_before_and_closes_7_days_after() -> None:
    window = checkin_window(date(2025, 1, 31), 1)
    assert (window.month, window.due_on, window.opens_on, window.closes_on) == (
        1,
        date(2025, 2, 28),
        date(2025, 2, 25),
        date(2025, 3, 7),
    )
    assert window.contains(date(2025, 3, 7)) and not window.contains(date(2025, 3, 8))
    assert checkin_month_for(date(2025, 1, 31), date(2025, 2, 25)) == 1
    assert checkin_month_for(date(2025, 1, 31), date(2025, 3, 28)) == 2
    assert checkin_month_for(date(2025, 1, 31), date(2025, 3, 15)) is None
    assert checkin_window(date(2025, 1, 31), 0).due_on == date(2025, 1, 31)


def test_rolling_window_keeps_64_for_ios() -> None:
    reminders = plan_reminders(LONDON, [], set(), datetime(2025, 1, 1, tzinfo=UTC), timedelta(days=3 * 365))
    assert len(reminders) > 64
    window = rolling_window(reminders, datetime(2025, 1, 1, tzinfo=UTC))
    assert window == reminders[:64]


# --- bad input ----------------------------------------------------------------------------------


def test_bad_schedules_are_refused_with_the_validation_code() -> None:
    with pytest.raises(ScheduleRuleError) as caught:
        PatientSchedule(baseline_on=date(2025, 1, 1), timezone="Mars/Olympus_Mons")
    assert isinstance(caught.value, FollicleError) and caught.value.code == ErrorCode.VALIDATION_FAILED
    for bad in (
        {"injection_offsets": (timedelta(hours=2), timedelta(hours=2))},
        {"injection_offsets": (timedelta(hours=-2),)},
        {"injection_offsets": ()},
        {"quiet_hours_start": time(9), "quiet_hours_end": time(8)},
        {"window_opens_days_before": 14, "window_closes_days_after": 14},
    ):
        with pytest.raises(ScheduleRuleError):
            PatientSchedule(baseline_on=date(2025, 1, 1), timezone="UTC", **bad)
    with pytest.raises(ScheduleRuleError):
        plan_reminders(LONDON, [], set(), datetime(2025, 1, 1), timedelta(days=1))
    with pytest.raises(ScheduleRuleError):
        SessionInfo(id="s1", scheduled_at=datetime(2025, 1, 1))


def test_the_rules_import_nothing_from_the_app_or_the_backend() -> None:
    probe = (
        "import sys, shared.schedule; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'kivy', 'litestar', 'tortoise', 'backend', 'mobile'}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_a_schedule_travels_as_json_to_the_phone_and_back() -> None:
    encoded = msgspec.json.encode(LONDON)
    assert msgspec.json.decode(encoded, type=PatientSchedule) == LONDON
    with pytest.raises(msgspec.ValidationError, match="unknown timezone"):
        msgspec.json.decode(b'{"baseline_on": "2025-01-01", "timezone": "Nowhere/Town"}', type=PatientSchedule)


def test_a_schedule_from_stored_preferences_uses_the_clinic_hours_or_the_defaults():
    stored = dict(quiet_hours_start="22:30", quiet_hours_end="07:00", check_in_time="19:15")
    clinic = PatientSchedule.from_preferences(date(2026, 1, 31), "Europe/London", injection_reminder_hours=[2, 48, 0], **stored)
    assert clinic.injection_offsets == (timedelta(hours=48), timedelta(hours=2))
    assert (clinic.quiet_hours_start, clinic.reminder_time) == (time(22, 30), time(19, 15))
    default = PatientSchedule.from_preferences(date(2026, 1, 31), "Europe/London", **stored)
    assert default.injection_offsets == (timedelta(hours=72), timedelta(hours=24), timedelta(hours=2))


def test_the_first_check_in_reads_baseline_and_later_ones_their_month():
    assert [checkin_label(m) for m in (0, 1, 12)] == ["Baseline", "Month 1", "Month 12"]
    assert checkin_label(0, in_sentence=True) == "baseline" and checkin_label(3, in_sentence=True) == "month 3"
