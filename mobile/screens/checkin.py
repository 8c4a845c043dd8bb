"""The monthly check-in: the hair-prep checklist, then each view of the clinic's protocol in turn:
its steps and drawn guide, the camera with the guide and the faded last photo over it, the
quality check of the shot, and retake or keep. A kept photo goes straight into the upload queue."""

from __future__ import annotations

from pathlib import Path

import msgspec
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty

from mobile.platform.camera import CapturedImage
from mobile.screens.viewfinder import Viewfinder  # noqa: F401  (used by checkin.kv)
from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.ghosts import GhostFinder
from mobile.services.upload_queue import PhotoState
from shared.quality import HintId, QualityReport, assess_photo
from shared.views import PhotoView

load_kv(__file__)

LIVE_HINT_SECONDS = 1.0
# a preview frame is smaller than the photo: its size says nothing about the shot
LIVE_HINTS_IGNORED = {HintId.TOO_SMALL}

PREP_ITEMS = (
    "My hair is washed and completely dry.",
    "It is combed the way I usually wear it, with no gel, spray, fibres or other product.",
    "I am in the same room and light as last time, with the light in front of me.",
    "Someone can help me, or I have a mirror and the camera timer (for the top and the crown).",
)


class CheckInScreen(FollicleScreen):
    month = NumericProperty(0)
    stage = OptionProperty("prep", options=["prep", "steps", "capture", "review", "done"])
    title = StringProperty("Photo check-in")
    prep_done = BooleanProperty(False)
    position_text = StringProperty("")
    view_id = StringProperty("")
    view_label = StringProperty("")
    steps_text = StringProperty("")
    caption = StringProperty("")
    ghost_source = StringProperty("")
    ghost_opacity = NumericProperty(0.4)
    capture_text = StringProperty("Take photo")
    camera_note = StringProperty("")
    review_source = StringProperty("")
    checking = BooleanProperty(False)
    quality_ok = BooleanProperty(False)
    quality_text = StringProperty("")
    saving = BooleanProperty(False)
    kept_count = NumericProperty(0)
    live_hint = StringProperty("")
    live_hint_ok = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        self._views: list[PhotoView] = []
        self._index = 0
        self._ghosts: dict[str, Path] = {}
        self._shot: CapturedImage | None = None
        self._report: QualityReport | None = None
        self._hint_event = None
        self._hint_busy = False
        super().__init__(**kwargs)

    # starting

    def prepare(self, month: int) -> None:
        session = self.app.session
        self.month = month
        self.title = "Your first photos" if month == 0 else f"Month {month} photos"
        already = {
            p.view_id for p in session.queue.all() if p.checkin_month == month and p.state != PhotoState.FAILED
        }
        self._views = [view for view in session.protocol() if view.id.value not in already]
        self._index = 0
        self.kept_count = 0
        self._ghosts = {}
        self.ghost_source = ""
        for item in self.ids.prep_list.children:
            item.checked = False
        self.prep_done = False
        self.stage = "prep" if self._views else "done"
        self.ids.prep_scroll.scroll_y = 1
        finder = GhostFinder(session.queue, session.api, self.app.data_dir / "ghosts")
        view_ids = [view.id.value for view in self._views]
        self.app.run_in_background(lambda: finder.for_views(view_ids, month), self._ghosts_found)

    def on_stage(self, screen, stage: str) -> None:
        self.ids.stages.current = stage
        if self._hint_event is not None and stage != "capture":
            self._hint_event.cancel()
            self._hint_event = None

    def on_kv_post(self, base_widget) -> None:
        from mobile.screens.widgets import ChecklistItem

        for text in PREP_ITEMS:
            item = ChecklistItem(text=text)
            item.bind(checked=lambda *a: self._prep_changed())
            self.ids.prep_list.add_widget(item)

    def _prep_changed(self) -> None:
        self.prep_done = all(item.checked for item in self.ids.prep_list.children)

    def _ghosts_found(self, ghosts: dict[str, Path]) -> None:
        self._ghosts = ghosts
        self._show_ghost()

    def _show_ghost(self) -> None:
        ghost = self._ghosts.get(self.view_id)
        self.ghost_source = str(ghost) if ghost else ""

    # one view

    def start_views(self) -> None:
        self._index = 0
        self._show_view()

    def _show_view(self) -> None:
        view = self._views[self._index]
        total = len(self.app.session.protocol())
        done_before = total - len(self._views)
        self.position_text = f"Photo {done_before + self._index + 1} of {total}"
        self.view_id = view.id.value
        self.view_label = view.label
        self.steps_text = "\n".join(f"{n}.  {step}" for n, step in enumerate(view.instructions, start=1))
        self.caption = view.guide.caption
        self._show_ghost()
        self.stage = "steps"
        self.ids.steps_scroll.scroll_y = 1

    def ready(self) -> None:
        camera = self.app.camera
        self.capture_text = camera.action_text
        self.camera_note = "" if camera.live else "No camera on this computer: choose a photo file instead."
        self.ids.viewfinder.live_widget = camera.preview_widget()
        self.live_hint = ""
        self.stage = "capture"
        if camera.live:
            self._hint_event = Clock.schedule_interval(lambda dt: self.check_live_frame(), LIVE_HINT_SECONDS)

    def check_live_frame(self) -> None:
        """Live hints while framing: the same checks as after the shot, on the preview."""
        frame = self.app.camera.frame()
        if frame is None or self._hint_busy:
            return
        self._hint_busy = True
        self.app.run_in_background(lambda: assess_photo(frame.convert("RGB")), self._live_checked)

    def _live_checked(self, report: QualityReport) -> None:
        self._hint_busy = False
        if self.stage != "capture":
            return
        hints = [hint.message for hint in report.hints if hint.id not in LIVE_HINTS_IGNORED]
        self.live_hint_ok = not hints
        self.live_hint = hints[0] if hints else "Looks good. Hold still and take the photo."

    def capture(self) -> None:
        self.app.camera.capture(self._captured, lambda: None)

    def _captured(self, shot: CapturedImage) -> None:
        self._shot = shot
        self._report = None
        self.checking = True
        self.quality_text = "Checking the photo..."
        self.stage = "review"
        review_folder = self.app.data_dir / "review"
        ghost = self._ghosts.get(self.view_id)

        def check() -> tuple[Path, QualityReport]:
            from PIL import Image

            preview = shot.preview()
            review_folder.mkdir(parents=True, exist_ok=True)
            path = review_folder / f"{shot.key}.jpg"
            preview.save(path, format="JPEG", quality=85)
            previous = Image.open(ghost).convert("RGB") if ghost else None
            return path, assess_photo(preview, previous=previous, full_size=(shot.width, shot.height))

        self.app.run_in_background(check, self._checked)

    def _checked(self, result: tuple[Path, QualityReport]) -> None:
        path, report = result
        if self._shot is None or not path.name.startswith(self._shot.key):
            return  # a retake overtook this check
        self._report = report
        self.review_source = str(path)
        self.checking = False
        self.quality_ok = report.acceptable
        if report.acceptable:
            self.quality_text = "Sharp, well lit and lined up. Good to keep."
        else:
            self.quality_text = "\n".join(f"- {hint.message}" for hint in report.hints)

    def retake(self) -> None:
        self._forget_review()
        self.stage = "capture"

    def keep(self) -> None:
        shot, report = self._shot, self._report
        if shot is None or self.saving:
            return
        self.saving = True
        session, month, view_id = self.app.session, self.month, self.view_id
        quality = msgspec.to_builtins(report) if report is not None else None
        self.app.run_in_background(
            lambda: session.keep_photo(
                key=shot.key,
                checkin_month=month,
                view_id=view_id,
                data=shot.data,
                width=shot.width,
                height=shot.height,
                captured_at=shot.captured_at,
                content_type=shot.content_type,
                quality=quality,
            ),
            self._kept,
        )

    def _kept(self, photo) -> None:
        self.saving = False
        self.kept_count += 1
        self._forget_review()
        self._index += 1
        if self._index < len(self._views):
            self._show_view()
        else:
            self.app.camera.stop()
            self.ids.viewfinder.live_widget = None
            self.stage = "done"

    def _forget_review(self) -> None:
        if self.review_source:
            Path(self.review_source).unlink(missing_ok=True)
        self.review_source = ""
        self._shot = None
        self._report = None
        self.checking = False

    def on_leave(self, *args) -> None:
        self.app.camera.stop()
