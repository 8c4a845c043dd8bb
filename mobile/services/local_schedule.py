"""The server's reminder schedule (`GET /me/schedule`) turned into the phone's local notifications.

The phone keeps a rolling window of the soonest reminders (iOS keeps only 64 local notifications),
remembers in SQLite what it has handed to the platform, and on each sync schedules what is new,
cancels what the server dropped (a session moved, a check-in done) and leaves the rest alone, so a
reminder is never shown twice. The words come from the server and carry no health information.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from shared.contract.reminders import ScheduledReminder
from shared.schedule import IOS_LOCAL_NOTIFICATION_LIMIT, PlannedReminder, rolling_window


@dataclass(frozen=True)
class LocalNotification:
    id: str
    kind: str
    due_at: datetime
    title: str
    body: str


class LocalNotifier(Protocol):
    """The platform's notification scheduler (see mobile/platform/notifications.py)."""

    def schedule(self, notification: LocalNotification) -> None: ...

    def cancel(self, notification_id: str) -> None: ...


@dataclass(frozen=True)
class SyncResult:
    scheduled: list[str]
    cancelled: list[str]
    kept: list[str]


SCHEMA = """
CREATE TABLE IF NOT EXISTS local_notification (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    due_at TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    shown INTEGER NOT NULL DEFAULT 0
);
"""


class LocalSchedule:
    def __init__(self, database: Path, notifier: LocalNotifier, *, limit: int = IOS_LOCAL_NOTIFICATION_LIMIT) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self.notifier = notifier
        self.limit = limit
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(database), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def sync(self, reminders: Iterable[ScheduledReminder], now: datetime) -> SyncResult:
        """Make the platform's scheduled notifications the `limit` soonest future reminders."""
        by_id = {str(r.id): r for r in reminders}
        planned = [
            PlannedReminder(kind=r.kind, due_at=r.due_at.astimezone(UTC), dedupe_key=key) for key, r in by_id.items()
        ]
        window = {p.dedupe_key: by_id[p.dedupe_key] for p in rolling_window(planned, now, self.limit)}
        with self._lock:
            known = {row[0]: row[1] for row in self._db.execute("SELECT id, due_at FROM local_notification WHERE shown = 0")}
            cancelled = [key for key in known if key not in window]
            for key in cancelled:
                self.notifier.cancel(key)
                self._db.execute("DELETE FROM local_notification WHERE id = ?", (key,))
            scheduled, kept = [], []
            shown = {row[0] for row in self._db.execute("SELECT id FROM local_notification WHERE shown = 1")}
            for key, reminder in window.items():
                due_at = reminder.due_at.astimezone(UTC)
                if key in shown:
                    continue
                if known.get(key) == due_at.isoformat():
                    kept.append(key)
                    continue
                if key in known:  # moved: replace it
                    self.notifier.cancel(key)
                notification = LocalNotification(key, str(reminder.kind), due_at, reminder.title, reminder.body)
                self.notifier.schedule(notification)
                self._db.execute(
                    "INSERT OR REPLACE INTO local_notification (id, kind, due_at, title, body) VALUES (?, ?, ?, ?, ?)",
                    (key, notification.kind, due_at.isoformat(), notification.title, notification.body),
                )
                scheduled.append(key)
            # forget notifications shown long ago that the server no longer lists
            self._db.execute(
                f"DELETE FROM local_notification WHERE shown = 1 AND id NOT IN ({', '.join('?' for _ in by_id)})",
                tuple(by_id),
            )
        return SyncResult(scheduled=scheduled, cancelled=cancelled, kept=kept)

    def upcoming(self) -> list[LocalNotification]:
        """Notifications scheduled and not yet shown, soonest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, due_at, title, body FROM local_notification WHERE shown = 0 ORDER BY due_at, id"
            ).fetchall()
        return [_notification(row) for row in rows]

    def take_due(self, now: datetime) -> list[LocalNotification]:
        """Notifications whose time has come, each handed out once (the desktop shows them in-app)."""
        with self._lock:
            due = [n for n in self.upcoming() if n.due_at <= now]
            for notification in due:
                self._db.execute("UPDATE local_notification SET shown = 1 WHERE id = ?", (notification.id,))
        return due

    def clear(self) -> None:
        """Cancel everything (sign out)."""
        with self._lock:
            for notification in self.upcoming():
                self.notifier.cancel(notification.id)
            self._db.execute("DELETE FROM local_notification")


def _notification(row: tuple) -> LocalNotification:
    return LocalNotification(row[0], row[1], datetime.fromisoformat(row[2]), row[3], row[4])
