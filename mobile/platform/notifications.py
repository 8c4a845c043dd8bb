"""Local notifications: the platform side of `mobile.services.local_schedule`.

LocalSchedule keeps the rolling window in the phone's SQLite file and calls `schedule`/`cancel`
here. Desktop: nothing to hand to an OS scheduler; the running app takes due notifications from
the schedule every half minute and shows them as an in-app banner. Android: the reminder service
(mobile/platform/reminder_service.py, declared in buildozer.spec) reads the same table, sleeps
until the next one is due and posts it with plyer's notification facade; `schedule` wakes it.
"""

from __future__ import annotations

import logging

from mobile.services.local_schedule import LocalNotification

log = logging.getLogger(__name__)

ANDROID_SERVICE_CLASS = "org.follicle.follicle.ServiceReminders"


class InAppNotifier:
    """Desktop: the app shows due notifications itself (see FollicleApp.show_due_notifications)."""

    shows_in_app = True

    def schedule(self, notification: LocalNotification) -> None:
        log.debug("in-app notification %s at %s", notification.id, notification.due_at)

    def cancel(self, notification_id: str) -> None:
        log.debug("in-app notification %s cancelled", notification_id)


class AndroidNotifier:
    """Android: (re)start the reminder service so it picks up the new window."""

    shows_in_app = False

    def schedule(self, notification: LocalNotification) -> None:
        self._wake_service()

    def cancel(self, notification_id: str) -> None:
        self._wake_service()

    def _wake_service(self) -> None:
        from jnius import autoclass  # only on Android builds

        service = autoclass(ANDROID_SERVICE_CLASS)
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        service.start(activity, "")


def notifier_for_platform(platform: str):
    return AndroidNotifier() if platform == "android" else InAppNotifier()
