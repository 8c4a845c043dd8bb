"""What the home screen says, worked out from the patient's record: the next check-in, the next
injection, and one tile per month so far. Pure functions over plain inputs (the day is handed in)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.contract.injections import PatientInjectionOut, SessionStatus
from shared.contract.patients import Treatment
from shared.schedule import CheckInWindow, checkin_label, checkin_month_for, checkin_window


TREATMENT_WORDS = {
    Treatment.EXOSOMES: "Exosomes",
    Treatment.PRP: "PRP",
    Treatment.MICRONEEDLING: "Microneedling",
    Treatment.COMBINATION: "Combination treatment",
}


class MonthState(StrEnum):
    DONE = "done"  # photos taken for that month
    MISSED = "missed"  # its window closed without photos
    OPEN = "open"  # its window is open now
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class MonthTile:
    month: int
    due_on: date
    state: MonthState

    @property
    def label(self) -> str:
        return "Baseline" if self.month == 0 else f"M{self.month}"


@dataclass(frozen=True)
class NextCheckIn:
    window: CheckInWindow
    state: MonthState  # OPEN (photos can be taken now) or UPCOMING

    @property
    def can_start(self) -> bool:
        return self.state == MonthState.OPEN


@dataclass(frozen=True)
class HomeSummary:
    next_checkin: NextCheckIn
    next_injection: PatientInjectionOut | None
    months: list[MonthTile]


def summarise(
    *,
    baseline_on: date,
    today: date,
    completed_months: Collection[int],
    injections: Iterable[PatientInjectionOut],
    now: datetime,
    enrolled_on: date | None = None,
) -> HomeSummary:
    """The home screen's content on `today` (the patient's local day).

    The baseline is never missed: once its window has opened it stays open until its photos are
    taken, and it is the first thing asked for (every later month is compared with it). A month
    whose window closed before `enrolled_on` was never the patient's to take, so it is not shown.
    """
    current = checkin_month_for(baseline_on, today)
    months: list[MonthTile] = []
    month = 0
    while True:
        window = checkin_window(baseline_on, month)
        if window.opens_on > today:
            break
        if month in completed_months:
            state = MonthState.DONE
        elif month == 0 or window.contains(today):
            state = MonthState.OPEN
        elif enrolled_on is not None and window.closes_on < enrolled_on:
            month += 1
            continue
        else:
            state = MonthState.MISSED
        months.append(MonthTile(month, window.due_on, state))
        month += 1
    baseline_open = bool(months) and months[0].month == 0 and months[0].state == MonthState.OPEN
    if baseline_open:
        next_checkin = NextCheckIn(checkin_window(baseline_on, 0), MonthState.OPEN)
    elif current is not None and current not in completed_months:
        next_checkin = NextCheckIn(checkin_window(baseline_on, current), MonthState.OPEN)
    else:
        next_checkin = NextCheckIn(checkin_window(baseline_on, month), MonthState.UPCOMING)
    upcoming = sorted(
        (s for s in injections if s.status == SessionStatus.SCHEDULED and s.scheduled_at >= now),
        key=lambda s: s.scheduled_at,
    )
    return HomeSummary(next_checkin=next_checkin, next_injection=upcoming[0] if upcoming else None, months=months)


def local_today(timezone: str, now: datetime | None = None) -> date:
    """The patient's own calendar day (check-in windows are in their days, not the phone's)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def describe_checkin(next_checkin: NextCheckIn, today: date) -> tuple[str, str]:
    """A headline and a detail line for the check-in card: one date each, no counts that could
    be read against the wrong date."""
    window = next_checkin.window
    title = f"{checkin_label(window.month)} photos"
    if next_checkin.state == MonthState.OPEN:
        if window.month == 0 and window.closes_on < today:
            return f"{title}: take them now", "Every later month is compared with these, so they come first."
        if window.due_on > today:
            when = f"due {_day(window.due_on)}"
        elif window.due_on == today:
            when = "due today"
        else:
            when = f"were due {_day(window.due_on)}"
        if window.month == 0:
            return f"{title} {when}", "You can take them now. Every later month is compared with these."
        until = "today is the last day" if window.closes_on == today else f"until {_day(window.closes_on)}"
        return f"{title} {when}", f"You can take them now, {until}."
    days = (window.opens_on - today).days
    return f"{title} due {_day(window.due_on)}", f"You can take them from {_day(window.opens_on)}, in {days} day{'s' if days != 1 else ''}."


def describe_injection(session: PatientInjectionOut | None, timezone: str, now: datetime) -> tuple[str, str]:
    if session is None:
        return "No injection booked", "Your clinic will book the next one with you."
    local = session.scheduled_at.astimezone(ZoneInfo(timezone))
    days = (local.date() - now.astimezone(ZoneInfo(timezone)).date()).days
    soon = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
    treatment = session.product or TREATMENT_WORDS.get(session.treatment, "Treatment")
    return f"Next injection {soon}", f"{_day(local.date())} at {local:%H:%M} - {treatment}"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"
