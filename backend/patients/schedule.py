"""A patient's schedule (shared.schedule.PatientSchedule) from what is stored, built here once for
every feature: the reminders outbox, its delivery, the report questions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.schedule import PatientSchedule, ScheduleRuleError

_FIELDS = ("baseline_date", "timezone", "quiet_hours_start", "quiet_hours_end", "check_in_time")


def patient_schedule(patient: Any, *, fallback: bool) -> PatientSchedule:
    """The schedule of `patient` (a Patient, or a row mapping with the same field names and,
    optionally, "clinic__injection_reminder_hours").

    With `fallback=False` preferences the shared rules refuse raise ScheduleRuleError (the change
    that sets them is refused; the planner skips the patient). With `fallback=True` they fall back,
    explicitly and in this order: the stored preferences; the default preferences in the
    patient's timezone; the default preferences in UTC (a timezone the rules do not know)."""
    fields = patient if isinstance(patient, Mapping) else {name: getattr(patient, name) for name in _FIELDS}
    try:
        return PatientSchedule.from_preferences(
            fields["baseline_date"],
            fields["timezone"],
            quiet_hours_start=fields["quiet_hours_start"],
            quiet_hours_end=fields["quiet_hours_end"],
            check_in_time=fields["check_in_time"],
            injection_reminder_hours=fields.get("clinic__injection_reminder_hours") or (),
        )
    except (ScheduleRuleError, ValueError):
        if not fallback:
            raise
    try:
        return PatientSchedule(baseline_on=fields["baseline_date"], timezone=fields["timezone"])
    except ScheduleRuleError:
        return PatientSchedule(baseline_on=fields["baseline_date"], timezone="UTC")

