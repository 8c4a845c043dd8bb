"""Check-in months counted from the baseline, as shared.schedule defines them."""

from __future__ import annotations

from datetime import date

from shared.schedule import checkin_due_on, checkin_window


def month_of(baseline: date, day: date) -> int:
    """The check-in month `day` falls in: the last month due on or before it; -1 before the baseline."""
    if day < baseline:
        return -1
    month = max(0, (day.year - baseline.year) * 12 + day.month - baseline.month)
    while month > 0 and checkin_due_on(baseline, month) > day:
        month -= 1
    return month


def latest_open_month(baseline: date, day: date) -> int:
    """The latest month whose check-in window has opened by `day` (0 at least: the baseline photos
    may be taken at the first visit)."""
    month = max(0, month_of(baseline, day) + 1)
    while month > 0 and checkin_window(baseline, month).opens_on > day:
        month -= 1
    return month
