"""The server's schedule as local notifications: a rolling window, each reminder shown once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from mobile.services.local_schedule import LocalSchedule
from shared.contract.reminders import ScheduledReminder
from shared.schedule import ReminderKind

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class RecordingNotifier:
    def __init__(self) -> None:
        self.scheduled: dict[str, datetime] = {}
        self.cancelled: list[str] = []

    def schedule(self, notification) -> None:
        self.scheduled[notification.id] = notification.due_at

    def cancel(self, notification_id: str) -> None:
        self.cancelled.append(notification_id)
        self.scheduled.pop(notification_id, None)


def _reminder(hours: float, kind: ReminderKind = ReminderKind.CHECKIN_DUE) -> ScheduledReminder:
    return ScheduledReminder(
        id=uuid.uuid4(), kind=kind, due_at=NOW + timedelta(hours=hours), title="Follicle", body="Time for your photos."
    )


def test_only_the_64_soonest_future_reminders_are_handed_to_the_phone(tmp_path):
    notifier = RecordingNotifier()
    schedule = LocalSchedule(tmp_path / "phone.sqlite3", notifier)
    reminders = [_reminder(h) for h in range(-3, 100)]
    schedule.sync(reminders, NOW)
    soonest = {str(r.id) for r in sorted((r for r in reminders if r.due_at >= NOW), key=lambda r: r.due_at)[:64]}
    assert set(notifier.scheduled) == soonest


def test_a_second_sync_keeps_what_is_unchanged_and_cancels_what_the_server_dropped(tmp_path):
    notifier = RecordingNotifier()
    schedule = LocalSchedule(tmp_path / "phone.sqlite3", notifier)
    kept, dropped = _reminder(5), _reminder(6)
    schedule.sync([kept, dropped], NOW)
    moved = ScheduledReminder(**{**{f: getattr(kept, f) for f in kept.__struct_fields__}, "due_at": NOW + timedelta(hours=9)})
    result = schedule.sync([moved, _reminder(7)], NOW)
    assert str(dropped.id) in result.cancelled
    assert notifier.scheduled[str(kept.id)] == NOW + timedelta(hours=9)
    assert len(notifier.scheduled) == 2
    again = schedule.sync([moved], NOW)
    assert again.kept == [str(kept.id)] and again.scheduled == []


def test_a_due_reminder_is_shown_once_even_if_the_server_still_lists_it(tmp_path):
    schedule = LocalSchedule(tmp_path / "phone.sqlite3", RecordingNotifier())
    reminder = _reminder(1)
    schedule.sync([reminder], NOW)
    assert schedule.take_due(NOW) == []
    later = NOW + timedelta(hours=2)
    assert [n.body for n in schedule.take_due(later)] == ["Time for your photos."]
    assert schedule.take_due(later) == []
    schedule.sync([reminder], NOW + timedelta(minutes=30))
    assert schedule.take_due(later) == []
