"""Android background service: posts the phone's scheduled reminders when they fall due.

Declared in buildozer.spec (`services = Reminders:mobile/platform/reminder_service.py`). It reads
the rolling window that the app wrote (mobile.services.local_schedule) from the app's private
SQLite file, sleeps until the next one, posts it with plyer, and exits when none is left; the app
starts it again whenever the window changes.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from mobile.services.local_schedule import LocalSchedule

LONGEST_SLEEP_SECONDS = 15 * 60


class _NothingToCancel:
    def schedule(self, notification) -> None: ...

    def cancel(self, notification_id: str) -> None: ...


def main() -> None:
    from plyer import notification

    data_dir = Path(os.environ.get("ANDROID_PRIVATE", ".")) / "follicle"
    schedule = LocalSchedule(data_dir / "phone.sqlite3", _NothingToCancel())
    while True:
        now = datetime.now(UTC)
        for due in schedule.take_due(now):
            notification.notify(title=due.title, message=due.body, app_name="Follicle")
        upcoming = schedule.upcoming()
        if not upcoming:
            return
        wait = (upcoming[0].due_at - datetime.now(UTC)).total_seconds()
        time.sleep(min(max(wait, 1.0), LONGEST_SLEEP_SECONDS))


if __name__ == "__main__":
    main()
