"""One patient_schedule for every feature, with its fallback spelled out."""

from __future__ import annotations

from datetime import date, time

import pytest

from backend.patients.schedule import patient_schedule
from shared.schedule import ScheduleRuleError

STORED = {
    "baseline_date": date(2026, 1, 15), "timezone": "Europe/London", "quiet_hours_start": "22:00",
    "quiet_hours_end": "07:00", "check_in_time": "19:30", "clinic__injection_reminder_hours": [48, 2],
}


def test_stored_preferences_and_the_clinics_reminder_hours_make_the_schedule():
    schedule = patient_schedule(STORED, fallback=False)
    assert (schedule.quiet_hours_start, schedule.reminder_time) == (time(22), time(19, 30))
    assert [offset.total_seconds() / 3600 for offset in schedule.injection_offsets] == [48, 2]


def test_preferences_the_rules_refuse_raise_or_fall_back_to_the_defaults():
    refused = {**STORED, "quiet_hours_start": "08:00", "quiet_hours_end": "07:00"}  # an hour awake
    with pytest.raises(ScheduleRuleError):
        patient_schedule(refused, fallback=False)
    schedule = patient_schedule(refused, fallback=True)
    assert schedule.timezone == "Europe/London" and schedule.quiet_hours_start == time(21)


def test_an_unknown_timezone_falls_back_to_utc():
    schedule = patient_schedule({**STORED, "timezone": "Mars/Olympus"}, fallback=True)
    assert schedule.timezone == "UTC" and schedule.baseline_on == date(2026, 1, 15)
