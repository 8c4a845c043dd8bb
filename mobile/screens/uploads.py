"""Uploads: every photo still on its way (or refused), with its own progress bar and one for all."""

from __future__ import annotations

import time

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.upload_queue import PhotoState, QueuedPhoto
from shared.schedule import checkin_label
from shared.views import VIEWS

load_kv(__file__)


class UploadRow(BoxLayout):
    title = StringProperty("")
    state_text = StringProperty("")
    kind = StringProperty("waiting")  # waiting, sending, done, failed
    fraction = NumericProperty(0.0)


def describe(photo: QueuedPhoto, sent: int, now: float) -> tuple[str, str, float]:
    """(state text, kind, fraction) for one photo, in the patient's words."""
    fraction = 0.0 if photo.size == 0 else sent / photo.size
    if photo.state == PhotoState.COMPLETED:
        return "Sent to your clinic", "done", 1.0
    if photo.state == PhotoState.FAILED:
        return photo.error_text or "Your clinic could not accept this photo.", "failed", fraction
    if photo.state == PhotoState.UPLOADING:
        return f"Sending... {round(fraction * 100)}%", "sending", fraction
    if photo.state == PhotoState.UPLOADED:
        return "Sent, waiting for your clinic to confirm", "sending", 1.0
    if photo.state == PhotoState.CHECKING:
        return "Sent, your clinic is checking the photo", "sending", 1.0
    wait = photo.next_attempt_at - now
    if photo.error_code and wait > 0:
        seconds = int(wait) + 1
        when = f"{seconds} s" if seconds < 90 else f"{seconds // 60} min"
        if photo.error_code in ("token_revoked", "not_authenticated"):
            return "Waiting until this phone is connected to your clinic again.", "waiting", fraction
        reason = "No connection." if photo.error_code == "offline" else "The clinic's service is busy."
        return f"{reason} Trying again in {when}.", "waiting", fraction
    return "Waiting to send", "waiting", fraction


class UploadsScreen(FollicleScreen):
    overall_text = StringProperty("")
    detail_text = StringProperty("")
    overall_fraction = NumericProperty(0.0)
    failed_count = NumericProperty(0)
    retryable_count = NumericProperty(0)  # failed photos that sending again might still get through
    waiting_count = NumericProperty(0)

    def on_kv_post(self, base_widget) -> None:
        self.app.bind(uploads_version=lambda *a: self.refresh())
        self._ticker = None

    def on_pre_enter(self, *args) -> None:
        self.refresh()
        self._ticker = Clock.schedule_interval(lambda dt: self.refresh(), 1.0)

    def on_leave(self, *args) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def refresh(self) -> None:
        queue = self.app.session.queue
        summary = queue.summary()
        self.overall_fraction = summary.fraction_done
        self.failed_count = summary.failed
        self.retryable_count = summary.retryable
        self.waiting_count = summary.waiting
        if summary.total == 0:
            self.overall_text = "No photos to send"
            self.detail_text = "Photos you take in a check-in appear here until your clinic has them."
        else:
            self.overall_text = f"{summary.completed} of {summary.total - summary.failed} photos sent"
            self.detail_text = f"{summary.bytes_done / 1e6:.1f} of {summary.bytes_total / 1e6:.1f} MB"
        rows = self.ids.rows
        rows.clear_widgets()
        now = time.time()
        for photo in reversed(queue.all()):  # newest first
            view = VIEWS.get(photo.view_id)
            label = view.label if view else photo.view_id
            month = checkin_label(photo.checkin_month, in_sentence=True)
            text, kind, fraction = describe(photo, queue.bytes_sent(photo.key), now)
            rows.add_widget(UploadRow(title=f"{label}, {month}", state_text=text, kind=kind, fraction=fraction))

    def try_again(self) -> None:
        queue = self.app.session.queue
        queue.retry_failed()
        queue.retry_now()
        self.app.session.start_uploads()
        self.refresh()
