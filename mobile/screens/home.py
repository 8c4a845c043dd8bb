"""Home: the next check-in and whether it can be done now, the next injection, a strip of the
months so far, and how the uploads are going."""

from __future__ import annotations

from datetime import UTC, datetime

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.api_client import ApiError
from mobile.services.home_summary import describe_checkin, describe_injection, local_today, summarise
from mobile.services.session import HomeData
from mobile.services.thumbnails import thumbnail
from mobile.services.upload_queue import PhotoState
from shared.schedule import ReminderKind

load_kv(__file__)


class MonthTileView(BoxLayout):
    label = StringProperty("")
    date_text = StringProperty("")
    state = StringProperty("upcoming")
    image = StringProperty("")


def describe_questions(questions, safety=None) -> tuple[str, str]:
    """What the clinic is asking now, and the screen that answers it ("" when nothing is asked)."""
    kinds = {q.kind for q in questions}
    if ReminderKind.SIDE_EFFECT_QUESTION in kinds:
        return "How have you been since your injection? Tell your clinic about any side effects.", "side_effects"
    if safety is not None and any(not q.needs_photos for q in safety.questions):
        return "A safety check-in is waiting: no photos, just whether anything new has appeared.", "safety"
    if safety is not None and safety.questions:
        return "Anything new since last time? Tell your clinic in one tap.", "safety"
    if safety is not None and safety.stop_question is not None:
        return "We missed your last photo check-in. If you have stopped, would you tell us why?", "safety"
    if ReminderKind.SELF_ASSESSMENT_DUE in kinds:
        return "A few questions about how you see your hair are waiting for you.", "questionnaire"
    return "", ""


def month_thumbnails(session, folder) -> dict[int, str]:
    """A small picture per month from this phone's own photos (the first view taken that month)."""
    pictures: dict[int, str] = {}
    for photo in session.queue.all():
        if photo.checkin_month not in pictures and photo.state != PhotoState.FAILED:
            thumb = thumbnail(photo.path, folder, size=160)
            if thumb is not None:
                pictures[photo.checkin_month] = str(thumb)
    return pictures


class HomeScreen(FollicleScreen):
    greeting = StringProperty("Hello")
    clinic_name = StringProperty("")
    notice = StringProperty("")
    checkin_title = StringProperty("Loading...")
    checkin_detail = StringProperty("")
    can_start = BooleanProperty(False)
    checkin_month = NumericProperty(0)
    injection_title = StringProperty("")
    injection_detail = StringProperty("")
    months = ListProperty([])
    upload_text = StringProperty("")
    upload_fraction = NumericProperty(0.0)
    uploads_waiting = BooleanProperty(False)
    question_text = StringProperty("")
    question_screen = StringProperty("")

    def on_kv_post(self, base_widget) -> None:
        self.app.bind(uploads_version=lambda *a: self.show_uploads())

    def on_pre_enter(self, *args) -> None:
        me = self.app.session.cached_me()
        if me is not None:
            self.greeting = f"Hello, {me.display_name.split()[0]}"
            self.clinic_name = me.clinic_name
        self.show_uploads()
        self.refresh()

    def refresh(self) -> None:
        session, folder = self.app.session, self.app.data_dir / "thumbnails"

        def load() -> tuple[HomeData, dict[int, str]]:
            data = session.load_home()
            return data, month_thumbnails(session, folder)

        self.app.run_in_background(load, lambda answer: self.show(*answer), self._failed)

    def show(self, data: HomeData, thumbnails: dict[int, str] | None = None) -> None:
        me = data.me
        now = datetime.now(UTC)
        today = local_today(me.timezone, now)
        summary = summarise(
            baseline_on=me.baseline_date,
            today=today,
            completed_months=data.completed_months,
            injections=data.injections,
            now=now,
            enrolled_on=me.enrolled_on,
        )
        self.greeting = f"Hello, {me.display_name.split()[0]}"
        self.clinic_name = me.clinic_name
        self.notice = "You are offline: this is what your clinic said last time." if data.from_cache else ""
        self.checkin_title, self.checkin_detail = describe_checkin(summary.next_checkin, today)
        self.can_start = summary.next_checkin.can_start
        self.checkin_month = summary.next_checkin.window.month
        self.injection_title, self.injection_detail = describe_injection(summary.next_injection, me.timezone, now)
        self.question_text, self.question_screen = describe_questions(data.questions, data.safety)
        thumbnails = thumbnails or {}
        self.months = [
            {"label": t.label, "date_text": "" if t.month == 0 else f"{t.due_on:%b}", "state": t.state.value, "image": thumbnails.get(t.month, "")}
            for t in summary.months
        ]

    def on_months(self, screen, months: list[dict]) -> None:
        strip = self.ids.month_strip
        strip.clear_widgets()
        for tile in months:
            strip.add_widget(MonthTileView(**tile))
        # the latest month first in view: the strip opens scrolled to its right end
        Clock.schedule_once(lambda dt: setattr(strip.parent, "scroll_x", 1), 0)

    def _failed(self, error: ApiError) -> None:
        if error.status == 401:
            self.app.session.disconnected()
            self.app.go("enrol")
            self.app.screen("enrol").error = error.patient_text
            return
        self.notice = error.patient_text
        if self.checkin_title == "Loading...":
            self.checkin_title = "Could not load your plan"

    def show_uploads(self) -> None:
        summary = self.app.session.queue.summary()
        self.uploads_waiting = summary.waiting > 0 or summary.failed > 0
        self.upload_fraction = summary.fraction_done
        if summary.total == 0:
            self.upload_text = "No photos yet. Your check-in photos will upload from here."
        elif summary.failed:
            self.upload_text = f"{summary.failed} photo{'s' if summary.failed > 1 else ''} could not be sent. Tap to see why."
        elif summary.waiting:
            self.upload_text = f"{summary.waiting} photo{'s' if summary.waiting > 1 else ''} waiting to upload."
        else:
            self.upload_text = f"All {summary.completed} photos are with your clinic."

    def start_checkin(self) -> None:
        self.app.go("checkin", month=self.checkin_month)
