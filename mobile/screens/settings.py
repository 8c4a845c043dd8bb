"""Settings: when reminders come (time and quiet hours), sign this phone out, a copy of all the
patient's data, and asking the clinic to delete it."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from mobile.services.my_data import SavedCopy, not_asked_yet
from shared.contract.records import DataExportOut, DeletionRequestOut, ExportState
from shared.contract.patients import ReminderPreferences

load_kv(__file__)

TIMES = [f"{hour:02d}:{minute:02d}" for hour in range(24) for minute in (0, 30)]
COPY_POLL_SECONDS = 1.5


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
    # a copy of my data
    copy_busy = BooleanProperty(False)
    copy_text = StringProperty("")
    copy_kind = StringProperty("info")
    # asking the clinic to delete my data
    deletion_asked = BooleanProperty(False)
    confirm_deletion = BooleanProperty(False)
    deletion_text = StringProperty("")
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
        self.confirm_deletion = False
        self.app.run_in_background(lambda: self.app.session.my_data.deletion_request(), self._deletion_known, lambda e: None)

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

    # a copy of my data

    def download_my_data(self) -> None:
        self.copy_busy = True
        self.copy_kind = "info"
        self.copy_text = "Asking your clinic to prepare a copy of your data..."
        self.app.run_in_background(lambda: self.app.session.my_data.ask_for_copy(), self._copy_progress, self._copy_failed)

    def _copy_progress(self, export: DataExportOut) -> None:
        if export.state == ExportState.READY:
            self.copy_text = "Saving your data on this device..."
            self.app.run_in_background(lambda: self.app.session.my_data.save_copy(export), self._copy_saved, self._copy_failed)
        elif export.state in (ExportState.QUEUED, ExportState.BUILDING):
            self.copy_text = "Your clinic is preparing your photos, records and report. This can take a minute."
            Clock.schedule_once(lambda dt: self._poll_copy(), COPY_POLL_SECONDS)
        else:
            self.copy_busy = False
            self.copy_kind = "error"
            self.copy_text = export.problem or "Your clinic could not prepare your data. Please try again."

    def _poll_copy(self) -> None:
        if self.copy_busy:
            self.app.run_in_background(lambda: self.app.session.my_data.copy_state(), self._copy_progress, self._copy_failed)

    def _copy_saved(self, saved: SavedCopy) -> None:
        self.copy_busy = False
        self.copy_kind = "success"
        self.copy_text = f"Saved ({saved.size_text}) as {saved.path.name} in {saved.path.parent}. It holds your photos, your records (records.json) and your progress report."

    def _copy_failed(self, error: ApiError) -> None:
        self.copy_busy = False
        self.copy_kind = "error"
        self.copy_text = "You have not asked for a copy yet." if not_asked_yet(error) else error.patient_text

    # asking the clinic to delete my data

    def ask_deletion(self) -> None:
        if not self.confirm_deletion:
            self.confirm_deletion = True
            return
        self.app.run_in_background(lambda: self.app.session.my_data.ask_for_deletion(), self._deletion_known, self._deletion_failed)

    def _deletion_known(self, request: DeletionRequestOut | None) -> None:
        self.confirm_deletion = False
        self.deletion_asked = request is not None
        if request is not None:
            when = request.requested_at.astimezone().strftime("%-d %B %Y")
            self.deletion_text = (
                f"You asked on {when}. {request.clinic_name} has been told and will delete your photos, answers and records. "
                "When they have, this phone is disconnected. Ask them if you want to know when."
            )
        else:
            self.deletion_text = ""

    def _deletion_failed(self, error: ApiError) -> None:
        self.confirm_deletion = False
        self.deletion_text = error.patient_text
