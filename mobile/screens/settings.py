"""Settings: when reminders come (time and quiet hours), sign this phone out, and how to have
the clinic delete the patient's data."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from shared.contract.patients import ReminderPreferences

load_kv(__file__)

TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30)]


class SettingsScreen(FollicleScreen):
    times = TIMES
    reminder_time = StringProperty("18:00")
    quiet_start = StringProperty("21:00")
    quiet_end = StringProperty("08:00")
    status = StringProperty("")
    status_kind = StringProperty("info")
    saving = BooleanProperty(False)
    clinic_name = StringProperty("your clinic")
    server_text = StringProperty("")
    confirm_sign_out = BooleanProperty(False)
    sign_out_warning = StringProperty("")
    auto_capture = BooleanProperty(True)

    def on_pre_enter(self, *args) -> None:
        session = self.app.session
        me = session.cached_me()
        if me is not None:
            self.reminder_time = me.reminders.check_in_time
            self.quiet_start = me.reminders.quiet_hours_start
            self.quiet_end = me.reminders.quiet_hours_end
            self.clinic_name = me.clinic_name
        self.auto_capture = session.settings.auto_capture
        self.server_text = f"Connected to {session.server_url}. This phone's key is kept in: {session.tokens.describe()}."
        self.status = ""
        self.confirm_sign_out = False

    def save_reminders(self) -> None:
        me = self.app.session.cached_me()
        push = me.reminders.push_enabled if me else True
        preferences = ReminderPreferences(
            check_in_time=self.reminder_time,
            quiet_hours_start=self.quiet_start,
            quiet_hours_end=self.quiet_end,
            push_enabled=push,
        )
        self.saving = True
        self.app.run_in_background(lambda: self.app.session.update_reminders(preferences), self._saved, self._failed)

    def _saved(self, me) -> None:
        self.saving = False
        self.status_kind = "success"
        self.status = f"Saved. Reminders come at {me.reminders.check_in_time}, never between {me.reminders.quiet_hours_start} and {me.reminders.quiet_hours_end}."
        self.app.refresh_reminders()

    def _failed(self, error: ApiError) -> None:
        self.saving = False
        self.status_kind = "error"
        self.status = error.patient_text

    def set_auto_capture(self, on: bool) -> None:
        """Kept on this phone at once (it is about this phone's camera, not the patient's record)."""
        if on != self.app.session.settings.auto_capture:
            self.app.session.settings.auto_capture = on
        self.auto_capture = on

    def ask_sign_out(self) -> None:
        waiting = self.app.session.queue.summary().waiting
        self.sign_out_warning = (
            f"{waiting} photo{'s have' if waiting != 1 else ' has'} not reached your clinic yet and will be deleted from this phone. "
            if waiting
            else ""
        ) + "You will need a new code from your clinic to connect again."
        self.confirm_sign_out = True

    def sign_out(self) -> None:
        self.app.run_in_background(self.app.session.sign_out, self._signed_out)

    def _signed_out(self, revoked: bool) -> None:
        self.confirm_sign_out = False
        self.app.go("enrol")
        if not revoked:
            self.app.show_banner("Signed out on this phone. You were offline, so ask your clinic to disconnect it too.")
