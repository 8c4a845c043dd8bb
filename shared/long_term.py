"""The long term, defined once for the app and the backend: treatment courses, the safety questions
asked after a course ends and at every monthly check-in, and why a patient stops coming.

A course is a run of done injection sessions; a session given at least `gap_months` after the
previous one starts a new course (`after_gap = "new_course"`) or, as the clinic sets, is maintenance
of the first course (`after_gap = "maintenance"`: only the first course is followed, and its
follow-up ends at the first maintenance session). A course ends with its last session.

Safety check-ins need no photos: 3, 6 and 12 months after a course's last session, while no later
session has been given, each open for SAFETY_OPEN_DAYS days. "Anything new since last time?" is
asked once per monthly check-in window, once the patient has had a session.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.schedule import (
    MISSED_CHECKIN_NUDGE_DAYS,
    PatientSchedule,
    PlannedReminder,
    ReminderKind,
    after_quiet_hours,
    checkin_due_on,
    checkin_month_for,
    local_instant,
)

SAFETY_MONTHS_AFTER_COURSE = (3, 6, 12)
SAFETY_OPEN_DAYS = 30
COURSE_GAP_MONTHS_DEFAULT = 3
COURSE_GAP_MONTHS_RANGE = (1, 24)
# a month of follow-up in the incidence and loss figures: the mean Gregorian month
DAYS_PER_MONTH = 30.436875
# sessions this recent are linked to an "anything new" answer, with the days since each
LINK_SESSIONS_DAYS = 365


class AfterGap(StrEnum):
    NEW_COURSE = "new_course"
    MAINTENANCE = "maintenance"


class SafetyOccasion(StrEnum):
    CHECKIN = "checkin"  # "anything new since last time?" at a monthly photo check-in
    AFTER_COURSE = "after_course"  # a photo-less safety check-in 3, 6 or 12 months after a course


class StopReason(StrEnum):
    NO_VISIBLE_CHANGE = "no_visible_change"
    SIDE_EFFECT = "side_effect"
    COST = "cost"
    TRAVEL = "travel"
    FINISHED_PLAN = "finished_plan"
    OTHER = "other"


STOP_REASON_LABELS: dict[StopReason, str] = {
    StopReason.NO_VISIBLE_CHANGE: "No visible change",
    StopReason.SIDE_EFFECT: "A side effect",
    StopReason.COST: "Cost",
    StopReason.TRAVEL: "Travel or moved away",
    StopReason.FINISHED_PLAN: "Finished the plan",
    StopReason.OTHER: "Other",
}
STOP_QUESTION = "We missed your last photo check-in. If you have stopped, would you tell us why?"
ANYTHING_NEW_QUESTION = "Anything new since last time? Any new symptom on your scalp or elsewhere, even a mild one."
SAFETY_CHECK_IN_INTRO = (
    "It is {months} months since your last treatment session. No photos this time: "
    "just tell us whether anything new has appeared."
)


@dataclass(frozen=True)
class Course:
    """One course: its sessions' days, first to last, and the day follow-up after it ends (the
    next course's or the first maintenance session's day; None while nothing followed)."""

    number: int  # 1, 2, ...
    first_on: date
    last_on: date
    sessions: int
    followed_until: date | None

    @property
    def ends_on(self) -> date:
        return self.last_on


def gap_reached(previous: date, day: date, gap_months: int) -> bool:
    """Whether `day` is at least `gap_months` calendar months after `previous`."""
    return day >= checkin_due_on(previous, gap_months)


def courses(session_days: Iterable[date], gap_months: int, after_gap: AfterGap = AfterGap.NEW_COURSE) -> list[Course]:
    """The courses of one patient's done sessions (any order)."""
    days = sorted(session_days)
    if not days:
        return []
    runs: list[list[date]] = [[days[0]]]
    for day in days[1:]:
        if gap_reached(runs[-1][-1], day, gap_months):
            runs.append([day])
        else:
            runs[-1].append(day)
    if after_gap == AfterGap.MAINTENANCE:
        first = runs[0]
        return [Course(1, first[0], first[-1], len(first), runs[1][0] if len(runs) > 1 else None)]
    return [
        Course(i + 1, run[0], run[-1], len(run), runs[i + 1][0] if i + 1 < len(runs) else None)
        for i, run in enumerate(runs)
    ]


@dataclass(frozen=True)
class OpenSafetyCheckIn:
    occasion: SafetyOccasion
    month: int  # the check-in month, or the months after the course's last session
    course_ends_on: date | None
    opens_on: date
    closes_on: date

    @property
    def key(self) -> str:
        return occasion_key(self.occasion, self.month, self.course_ends_on)


def occasion_key(occasion: SafetyOccasion | str, month: int, course_ends_on: date | None) -> str:
    """The one answer a patient gives per occasion is stored under this key."""
    if occasion == SafetyOccasion.CHECKIN:
        return f"checkin:{month}"
    assert course_ends_on is not None
    return f"after_course:{course_ends_on.isoformat()}:{month}"


def after_course_occasions(session_days: Collection[date], gap_months: int, after_gap: AfterGap) -> list[OpenSafetyCheckIn]:
    """Every photo-less safety check-in of the patient's courses: 3, 6 and 12 months after a course's
    last session, unless a session was given by then; each open for SAFETY_OPEN_DAYS days."""
    found = []
    for course in courses(session_days, gap_months, after_gap):
        for months in SAFETY_MONTHS_AFTER_COURSE:
            opens_on = checkin_due_on(course.last_on, months)
            if any(course.last_on < day <= opens_on for day in session_days):
                continue
            closes_on = opens_on + timedelta(days=SAFETY_OPEN_DAYS - 1)
            found.append(OpenSafetyCheckIn(SafetyOccasion.AFTER_COURSE, months, course.last_on, opens_on, closes_on))
    return found


def after_course_check_ins(
    session_days: Collection[date], gap_months: int, after_gap: AfterGap, today: date
) -> list[OpenSafetyCheckIn]:
    """The photo-less safety check-ins open today."""
    return [q for q in after_course_occasions(session_days, gap_months, after_gap) if q.opens_on <= today <= q.closes_on]


def safety_reminder_key(occasion_key: str) -> str:
    """The dedupe key of the reminder of a safety check-in (see `occasion_key`)."""
    return f"{ReminderKind.SAFETY_CHECK_IN}:{occasion_key}"


def plan_safety_reminders(
    patient: PatientSchedule,
    session_days: Collection[date],
    answered: Collection[str],
    gap_months: int,
    after_gap: AfterGap,
    since: datetime,
    until: datetime,
) -> list[PlannedReminder]:
    """A reminder at the patient's reminder time (outside quiet hours) on the day each unanswered
    photo-less safety check-in opens, for those falling in [since, until)."""
    planned = []
    for q in after_course_occasions(session_days, gap_months, after_gap):
        if q.key in answered:
            continue
        due_at = after_quiet_hours(patient, local_instant(q.opens_on, patient.reminder_time, patient.zone))
        if since <= due_at < until:
            planned.append(PlannedReminder(kind=ReminderKind.SAFETY_CHECK_IN, due_at=due_at, dedupe_key=safety_reminder_key(q.key)))
    return planned


def checkin_question(baseline_on: date, session_days: Collection[date], today: date) -> OpenSafetyCheckIn | None:
    """The "anything new?" question of the monthly check-in whose window holds today, once the
    patient has had a session before today; None between windows, at baseline or before any session."""
    month = checkin_month_for(baseline_on, today)
    if not month or not any(day <= today for day in session_days):
        return None
    due_on = checkin_due_on(baseline_on, month)
    return OpenSafetyCheckIn(
        SafetyOccasion.CHECKIN, month, None, due_on - timedelta(days=3), due_on + timedelta(days=7)
    )


def open_safety_check_ins(
    baseline_on: date,
    session_days: Collection[date],
    answered: Collection[str],
    gap_months: int,
    after_gap: AfterGap,
    today: date,
) -> list[OpenSafetyCheckIn]:
    """Every safety question waiting for the patient today (answered occasion keys left out),
    oldest first."""
    found = after_course_check_ins(session_days, gap_months, after_gap, today)
    monthly = checkin_question(baseline_on, session_days, today)
    if monthly is not None:
        found.append(monthly)
    return sorted((q for q in found if q.key not in answered), key=lambda q: (q.opens_on, q.key))


def stop_question_month(baseline_on: date, today: date) -> int | None:
    """The check-in month the "why did you stop?" question is about: the newest one whose last
    missed-check-in nudge has gone (so the nudge can offer the answer), from month 1; None before.
    The caller asks only when that month was not completed and no reason came since it was due."""
    last_nudge = timedelta(days=max(MISSED_CHECKIN_NUDGE_DAYS))
    month = None
    while checkin_due_on(baseline_on, (month or 0) + 1) + last_nudge <= today:
        month = (month or 0) + 1
    return month


def months_between(earlier: date, later: date) -> float:
    """Follow-up in mean months (DAYS_PER_MONTH days each)."""
    return (later - earlier).days / DAYS_PER_MONTH
