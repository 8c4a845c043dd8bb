"""What the report screens ask about: which injection a side-effect report is for, and whether a
self-assessment is waiting. Pure choices over the server's answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from shared.contract.injections import PatientInjectionOut, SessionStatus
from shared.contract.reports import DueQuestion
from shared.schedule import ReminderKind

# "When did it start?" answers, as days before today
STARTED_CHOICES: tuple[tuple[str, int], ...] = (("Today", 0), ("Yesterday", 1), ("2 days ago", 2), ("3+ days ago", 3))


def injection_to_report(
    due: Iterable[DueQuestion], injections: Iterable[PatientInjectionOut]
) -> PatientInjectionOut | None:
    """The injection a side-effect report is about: the one the clinic is asking about now, else
    the most recent injection given."""
    given = sorted((s for s in injections if s.status == SessionStatus.DONE), key=lambda s: s.scheduled_at)
    by_id = {s.id: s for s in given}
    for question in due:
        if question.kind == ReminderKind.SIDE_EFFECT_QUESTION and question.session_id in by_id:
            return by_id[question.session_id]
    return given[-1] if given else None


def self_assessment_due(due: Iterable[DueQuestion]) -> DueQuestion | None:
    for question in due:
        if question.kind == ReminderKind.SELF_ASSESSMENT_DUE:
            return question
    return None


def started_on(today: date, days_ago: int) -> date:
    return today - timedelta(days=days_ago)
