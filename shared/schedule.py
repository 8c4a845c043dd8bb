"""Reminder schedule rules, shared so the backend's outbox and the phone's local notifications agree.

Pure functions over plain inputs: no clock is read, no database or UI is touched. Every
instant handed in or out is timezone-aware; every instant handed out is in UTC. Local wall
times (the patient's preferred reminder time, the end of quiet hours) are resolved in the
patient's own timezone on the day in question, so 18:00 stays 18:00 across a DST change.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from shared.contract.injections import SessionStatus
from shared.errors import InvalidInput

DEFAULT_INJECTION_OFFSETS = (timedelta(hours=72), timedelta(hours=24), timedelta(hours=2))
MISSED_CHECKIN_NUDGE_DAYS = (3, 7)
SIDE_EFFECT_QUESTION_DAYS = (1, 7)
SELF_ASSESSMENT_EVERY_MONTHS = 3
IOS_LOCAL_NOTIFICATION_LIMIT = 64
# a quiet-hours end that falls in a DST gap moves by up to an hour; keep clear of the next quiet start
MIN_AWAKE_HOURS = 2


class ScheduleRuleError(InvalidInput, ValueError):
    """A schedule input breaks a rule. Also a ValueError, so msgspec decoding reports it as invalid."""


class ReminderKind(StrEnum):
    CHECKIN_DUE = "checkin_due"
    CHECKIN_MISSED = "checkin_missed"
    INJECTION_UPCOMING = "injection_upcoming"
    SIDE_EFFECT_QUESTION = "side_effect_question"
    SELF_ASSESSMENT_DUE = "self_assessment_due"
    # a photo-less safety check-in 3, 6 or 12 months after a course (shared.long_term plans it)
    SAFETY_CHECK_IN = "safety_check_in"
    # not planned: written when processing refuses a photo, so the patient takes it again
    PHOTO_RETAKE = "photo_retake"


# the kinds the schedule rules plan (and re-planning may move or cancel); the others are notices
PLANNED_KINDS = frozenset(
    {
        ReminderKind.CHECKIN_DUE,
        ReminderKind.CHECKIN_MISSED,
        ReminderKind.INJECTION_UPCOMING,
        ReminderKind.SIDE_EFFECT_QUESTION,
        ReminderKind.SELF_ASSESSMENT_DUE,
        ReminderKind.SAFETY_CHECK_IN,
    }
)


class PatientSchedule(msgspec.Struct, frozen=True, kw_only=True):
    """A patient's reminder preferences: baseline, timezone, quiet hours and the clinic's offsets.

    Quiet hours run from `quiet_hours_start` (inclusive) to `quiet_hours_end` (exclusive) and may
    wrap midnight (21:00-08:00) or not (13:00-14:00); equal start and end means no quiet hours.
    """

    baseline_on: date
    timezone: str
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)
    reminder_time: time = time(18, 0)
    injection_offsets: tuple[timedelta, ...] = DEFAULT_INJECTION_OFFSETS
    window_opens_days_before: int = 3
    window_closes_days_after: int = 7

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ScheduleRuleError(f"unknown timezone {self.timezone!r}") from exc
        for name in ("quiet_hours_start", "quiet_hours_end", "reminder_time"):
            if getattr(self, name).tzinfo is not None:
                raise ScheduleRuleError(f"{name} is a local wall time and takes no timezone")
        if self.quiet_hours_start != self.quiet_hours_end and _awake_span(self) < timedelta(
            hours=MIN_AWAKE_HOURS
        ):
            raise ScheduleRuleError(f"quiet hours must leave at least {MIN_AWAKE_HOURS} h awake")
        if not self.injection_offsets:
            raise ScheduleRuleError("at least one injection reminder offset is needed")
        if len(set(self.injection_offsets)) != len(self.injection_offsets):
            raise ScheduleRuleError("injection reminder offsets must be distinct")
        for offset in self.injection_offsets:
            if offset <= timedelta(0) or offset % timedelta(minutes=1):
                raise ScheduleRuleError("injection reminder offsets are positive whole minutes")
        before, after = self.window_opens_days_before, self.window_closes_days_after
        if before < 0 or after < 0 or before + after >= 28:
            raise ScheduleRuleError("a check-in window is 0-27 days long so months never overlap")

    @classmethod
    def from_preferences(
        cls,
        baseline_on: date,
        timezone: str,
        *,
        quiet_hours_start: str,
        quiet_hours_end: str,
        check_in_time: str,
        injection_reminder_hours: Iterable[int] = (),
    ) -> PatientSchedule:
        """The schedule of a patient as stored ("HH:MM" wall times, the clinic's reminder hours,
        empty for the defaults). Raises ScheduleRuleError, or ValueError for a malformed time."""
        hours = sorted({int(h) for h in injection_reminder_hours if int(h) > 0}, reverse=True)
        return cls(
            baseline_on=baseline_on,
            timezone=timezone,
            quiet_hours_start=time.fromisoformat(quiet_hours_start),
            quiet_hours_end=time.fromisoformat(quiet_hours_end),
            reminder_time=time.fromisoformat(check_in_time),
            injection_offsets=tuple(timedelta(hours=h) for h in hours) or DEFAULT_INJECTION_OFFSETS,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One injection session as the schedule sees it: when, and whether it happened.

    Side-effect questions count from `performed_at` when the clinic recorded it, else from
    `scheduled_at`.
    """

    id: str
    scheduled_at: datetime
    status: SessionStatus = SessionStatus.SCHEDULED
    performed_at: datetime | None = None

    def __post_init__(self) -> None:
        _require_aware(self.scheduled_at, "scheduled_at")
        if self.performed_at is not None:
            _require_aware(self.performed_at, "performed_at")


class PlannedReminder(msgspec.Struct, frozen=True, kw_only=True):
    """A reminder to send at `due_at` (UTC). `dedupe_key` names it uniquely and stably per patient."""

    kind: ReminderKind
    due_at: datetime
    dedupe_key: str
    session_id: str | None = None
    checkin_month: int | None = None


class CheckInWindow(msgspec.Struct, frozen=True, kw_only=True):
    """The days (inclusive) on which a month's photo check-in counts, around its due date."""

    month: int
    due_on: date
    opens_on: date
    closes_on: date

    def contains(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on


def checkin_due_on(baseline_on: date, month: int) -> date:
    """The due date of check-in `month`: the baseline's day in the month `month` months later.

    Always counted from the baseline, never from the previous due date, so Jan 31 gives
    Feb 28 (29 in a leap year) and then Mar 31 again. Month 0 is the baseline itself.
    """
    if month < 0:
        raise ScheduleRuleError("check-in months count from 0 (the baseline)")
    year, month_index = divmod(baseline_on.month - 1 + month, 12)
    year += baseline_on.year
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(baseline_on.day, last_day))


def checkin_label(month: int, *, in_sentence: bool = False) -> str:
    """What patients and staff read for check-in `month`: "Baseline" for the first, "Month 3" after
    ("baseline", "month 3" inside a sentence). The API keeps the month numbers."""
    label = "Baseline" if month == 0 else f"Month {month}"
    return label.lower() if in_sentence else label


def checkin_due_dates(baseline_on: date, months: int) -> list[date]:
    """Due dates of check-ins 0 through `months` inclusive (a 12-month follow-up has 13)."""
    return [checkin_due_on(baseline_on, month) for month in range(months + 1)]


def checkin_window(
    baseline_on: date,
    month: int,
    *,
    opens_days_before: int = 3,
    closes_days_after: int = 7,
) -> CheckInWindow:
    """The window of check-in `month`: from `opens_days_before` before to `closes_days_after` after."""
    due_on = checkin_due_on(baseline_on, month)
    return CheckInWindow(
        month=month,
        due_on=due_on,
        opens_on=due_on - timedelta(days=opens_days_before),
        closes_on=due_on + timedelta(days=closes_days_after),
    )


def checkin_month_for(
    baseline_on: date,
    day: date,
    *,
    opens_days_before: int = 3,
    closes_days_after: int = 7,
) -> int | None:
    """The check-in month whose window contains `day`, or None when `day` is between windows."""
    nearest = _months_between(baseline_on, day)
    for month in (nearest - 1, nearest, nearest + 1):
        if month >= 0 and checkin_window(
            baseline_on, month, opens_days_before=opens_days_before, closes_days_after=closes_days_after
        ).contains(day):
            return month
    return None


def in_quiet_hours(patient: PatientSchedule, instant: datetime) -> bool:
    """Whether `instant` falls inside the patient's quiet hours, read in the patient's local time."""
    _require_aware(instant, "instant")
    return _wall_time_is_quiet(patient, instant.astimezone(patient.zone).time())


def local_instant(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `wall_time` on local `day` in `zone`.

    A wall time that does not exist that day (skipped by a DST change) becomes the same
    wall time shifted forward by the gap (02:30 on a spring-forward night reads 03:30);
    a wall time that happens twice (fall-back) is the first of the two.
    """
    return datetime.combine(day, wall_time, tzinfo=zone).astimezone(UTC)


def after_quiet_hours(patient: PatientSchedule, instant: datetime) -> datetime:
    """`instant` unchanged (in UTC) when outside quiet hours, else the local end of those quiet hours."""
    _require_aware(instant, "instant")
    local = instant.astimezone(patient.zone)
    wall = local.time()
    if not _wall_time_is_quiet(patient, wall):
        return instant.astimezone(UTC)
    end_day = local.date()
    wraps = patient.quiet_hours_start > patient.quiet_hours_end
    if wraps and wall >= patient.quiet_hours_start:
        end_day += timedelta(days=1)
    return local_instant(end_day, patient.quiet_hours_end, patient.zone)


def plan_reminders(
    patient: PatientSchedule,
    sessions: Iterable[SessionInfo],
    completed_checkins: Collection[int],
    now: datetime,
    horizon: timedelta,
    *,
    completed_self_assessments: Collection[int] = (),
) -> list[PlannedReminder]:
    """Every reminder due in [now, now + horizon), soonest first, outside quiet hours, one per dedupe key.

    Check-ins: `checkin_due` on each month's due date at the patient's reminder time, then
    `checkin_missed` 3 and 7 days later (within the window), unless that month is completed.
    Self-assessment: `self_assessment_due` at baseline and every 3 months, unless completed.
    Scheduled sessions still ahead: `injection_upcoming` at each clinic offset before, never
    at or after the session itself. Done sessions: `side_effect_question` the day after and
    a week after, at the reminder time. Missed and cancelled sessions get nothing.
    """
    _require_aware(now, "now")
    if horizon < timedelta(0):
        raise ScheduleRuleError("the planning horizon cannot be negative")
    until = now + horizon
    candidates = [
        *_checkin_reminders(patient, completed_checkins, completed_self_assessments, now, until),
        *_session_reminders(patient, sessions, now),
    ]
    planned: dict[str, PlannedReminder] = {}
    for reminder in candidates:
        if now <= reminder.due_at < until:
            planned.setdefault(reminder.dedupe_key, reminder)
    return sorted(planned.values(), key=_soonest_first)


def rolling_window(
    reminders: Iterable[PlannedReminder],
    now: datetime,
    limit: int = IOS_LOCAL_NOTIFICATION_LIMIT,
) -> list[PlannedReminder]:
    """The `limit` soonest reminders not yet past at `now` (iOS keeps only 64 local notifications)."""
    _require_aware(now, "now")
    if limit < 0:
        raise ScheduleRuleError("the rolling window limit cannot be negative")
    upcoming = sorted((r for r in reminders if r.due_at >= now), key=_soonest_first)
    return upcoming[:limit]


def _checkin_reminders(
    patient: PatientSchedule,
    completed_checkins: Collection[int],
    completed_self_assessments: Collection[int],
    now: datetime,
    until: datetime,
) -> Iterable[PlannedReminder]:
    zone = patient.zone
    nudge_days = [d for d in MISSED_CHECKIN_NUDGE_DAYS if d <= patient.window_closes_days_after]
    # a month's reminders fall between its due date and its last nudge, plus a night of quiet hours
    reach = timedelta(days=max(nudge_days, default=0) + 2)
    first_day = now.astimezone(zone).date() - reach
    last_day = until.astimezone(zone).date() + timedelta(days=1)
    month = max(0, _months_between(patient.baseline_on, first_day) - 1)
    while (due_on := checkin_due_on(patient.baseline_on, month)) <= last_day:
        if month not in completed_checkins:
            yield PlannedReminder(
                kind=ReminderKind.CHECKIN_DUE,
                due_at=_at_reminder_time(patient, due_on),
                dedupe_key=f"{ReminderKind.CHECKIN_DUE}:{month}",
                checkin_month=month,
            )
            for days in nudge_days:
                yield PlannedReminder(
                    kind=ReminderKind.CHECKIN_MISSED,
                    due_at=_at_reminder_time(patient, due_on + timedelta(days=days)),
                    dedupe_key=f"{ReminderKind.CHECKIN_MISSED}:{month}:{days}d",
                    checkin_month=month,
                )
        if month % SELF_ASSESSMENT_EVERY_MONTHS == 0 and month not in completed_self_assessments:
            yield PlannedReminder(
                kind=ReminderKind.SELF_ASSESSMENT_DUE,
                due_at=_at_reminder_time(patient, due_on),
                dedupe_key=f"{ReminderKind.SELF_ASSESSMENT_DUE}:{month}",
                checkin_month=month,
            )
        month += 1


def _session_reminders(
    patient: PatientSchedule, sessions: Iterable[SessionInfo], now: datetime
) -> Iterable[PlannedReminder]:
    for session in sessions:
        if session.status == SessionStatus.SCHEDULED and session.scheduled_at > now:
            yield from _injection_reminders(patient, session)
        elif session.status == SessionStatus.DONE:
            injected_at = session.performed_at or session.scheduled_at
            session_day = injected_at.astimezone(patient.zone).date()
            for days in SIDE_EFFECT_QUESTION_DAYS:
                yield PlannedReminder(
                    kind=ReminderKind.SIDE_EFFECT_QUESTION,
                    due_at=_at_reminder_time(patient, session_day + timedelta(days=days)),
                    dedupe_key=f"{ReminderKind.SIDE_EFFECT_QUESTION}:{session.id}:{days}d",
                    session_id=session.id,
                )


def _injection_reminders(patient: PatientSchedule, session: SessionInfo) -> Iterable[PlannedReminder]:
    for offset in patient.injection_offsets:
        due_at = after_quiet_hours(patient, session.scheduled_at - offset)
        # moved past the session by quiet hours: a reminder after the fact helps nobody
        if due_at >= session.scheduled_at:
            continue
        yield PlannedReminder(
            kind=ReminderKind.INJECTION_UPCOMING,
            due_at=due_at,
            dedupe_key=f"{ReminderKind.INJECTION_UPCOMING}:{session.id}:{_offset_label(offset)}",
            session_id=session.id,
        )


def _at_reminder_time(patient: PatientSchedule, day: date) -> datetime:
    return after_quiet_hours(patient, local_instant(day, patient.reminder_time, patient.zone))


def _wall_time_is_quiet(patient: PatientSchedule, wall: time) -> bool:
    start, end = patient.quiet_hours_start, patient.quiet_hours_end
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def _awake_span(patient: PatientSchedule) -> timedelta:
    start = timedelta(hours=patient.quiet_hours_start.hour, minutes=patient.quiet_hours_start.minute)
    end = timedelta(hours=patient.quiet_hours_end.hour, minutes=patient.quiet_hours_end.minute)
    return (start - end) % timedelta(days=1)


def _offset_label(offset: timedelta) -> str:
    """A canonical label, distinct for distinct offsets: '72h', '90m'."""
    minutes = offset // timedelta(minutes=1)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _soonest_first(reminder: PlannedReminder) -> tuple[datetime, str]:
    return (reminder.due_at, reminder.dedupe_key)


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ScheduleRuleError(f"{name} must be timezone-aware")
