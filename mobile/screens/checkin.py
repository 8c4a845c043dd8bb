"""The monthly check-in: the hair-prep checklist, then each view of the clinic's protocol in turn:
its steps and drawn guide, the camera with the guide and the faded last photo over it, live
guidance (the outline's colour and one hint, from preview frames read in a background thread) and
the automatic photo once it lines up, the quality check of the shot, and retake or keep. A kept
photo goes straight into the upload queue."""

from __future__ import annotations

from pathlib import Path

import msgspec
from kivy.animation import Animation
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty

from mobile.platform.camera import CapturedImage
from mobile.platform.cue import CaptureCue
from mobile.screens.viewfinder import Viewfinder  # noqa: F401  (used by checkin.kv)
from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.ghosts import GhostFinder
from mobile.services.live_guidance import LiveGuidance
from mobile.services.upload_queue import PhotoState
from shared.guidance import Guide, Reading, review
from shared.quality import QualityReport, assess_photo
from shared.schedule import checkin_label
from shared.views import PhotoView, capture_step

load_kv(__file__)

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
    fit = StringProperty("")  # the outline's colour: '' (no reading yet), 'far', 'near' or 'ready'
    hold_progress = NumericProperty(0.0)  # towards the automatic photo, 0..1
    auto_capture = BooleanProperty(True)
    taken_by_itself = BooleanProperty(False)  # the shot under review was taken automatically

    def __init__(self, **kwargs) -> None:
        self._views: list[PhotoView] = []
        self._index = 0
        self._ghosts: dict[str, Path] = {}
        self._shot: CapturedImage | None = None
        self._report: QualityReport | None = None
        self._guidance: LiveGuidance | None = None
        self._cue: CaptureCue | None = None
        super().__init__(**kwargs)

    # starting

    def prepare(self, month: int) -> None:
        session = self.app.session
        self.month = month
        self.title = f"{checkin_label(month)} photos"
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
        if stage != "capture":
            self._stop_guidance()

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
        if self._views and self.stage in ("steps", "capture"):
            self._write_steps(self._views[self._index])
        if self._guidance is not None and self.stage == "capture":
            self._guidance.use_ghost(self._ghost_image())

    def _ghost_image(self):
        from PIL import Image

        ghost = self._ghosts.get(self.view_id)
        if ghost is None:
            return None
        with Image.open(ghost) as picture:
            return picture.convert("RGB")

    def _write_steps(self, view: PhotoView) -> None:
        camera = self.app.camera
        last = capture_step(
            live_camera=camera.live,
            auto_capture=self.app.session.settings.auto_capture,
            has_ghost=self.view_id in self._ghosts,
        )
        steps = (*view.instructions, last)
        self.steps_text = "\n".join(f"{n}.  {step}" for n, step in enumerate(steps, start=1))

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
        self.caption = view.guide.caption
        self.stage = "steps"
        self._show_ghost()
        self.ids.steps_scroll.scroll_y = 1

    def ready(self) -> None:
        camera = self.app.camera
        self.capture_text = camera.action_text
        self.camera_note = "" if camera.live else "No camera on this computer: choose a photo file instead."
        self.ids.viewfinder.live_widget = camera.preview_widget()
        self.auto_capture = camera.live and self.app.session.settings.auto_capture
        self.stage = "capture"
        self._start_guidance()

    # live guidance

    def _start_guidance(self) -> None:
        self.live_hint = ""
        self.live_hint_ok = False
        self.fit = ""
        self.hold_progress = 0.0
        camera = self.app.camera
        if not camera.live:
            return
        if self._guidance is None:
            self._guidance = LiveGuidance(
                camera.preview_frame,
                lambda reading, progress: Clock.schedule_once(lambda dt: self._show_reading(reading, progress)),
                lambda reading: Clock.schedule_once(lambda dt: self._take_by_itself()),
                auto_capture=self.auto_capture,
            )
        self._guidance.auto_capture = self.auto_capture
        self._guidance.use_ghost(self._ghost_image())
        self._guidance.start()

    def _stop_guidance(self) -> None:
        if self._guidance is not None:
            self._guidance.stop()

    def _show_reading(self, reading: Reading, progress: float) -> None:
        if self.stage != "capture":
            return
        self.fit = reading.fit.value
        self.live_hint = reading.text(auto_capture=self.auto_capture)
        self.live_hint_ok = reading.ready
        self.hold_progress = progress

    def _take_by_itself(self) -> None:
        if self.stage != "capture":
            return
        if self._cue is None:
            self._cue = CaptureCue()
        self._cue.give()
        viewfinder = self.ids.viewfinder
        viewfinder.flash = 0.85
        Animation(flash=0.0, duration=0.35).start(viewfinder)
        self.capture(by_itself=True)

    def capture(self, by_itself: bool = False) -> None:
        self.taken_by_itself = by_itself
        self.app.camera.capture(self._captured, lambda: None)

    def _captured(self, shot: CapturedImage) -> None:
        self._shot = shot
        self._report = None
        self.checking = True
        self.quality_text = "Checking the photo..."
        self.stage = "review"
        review_folder = self.app.data_dir / "review"
        ghost = self._ghosts.get(self.view_id)

        def check() -> tuple[Path, QualityReport, Reading]:
            from PIL import Image

            preview = shot.preview()
            review_folder.mkdir(parents=True, exist_ok=True)
            path = review_folder / f"{shot.key}.jpg"
            preview.save(path, format="JPEG", quality=85)
            previous = Image.open(ghost).convert("RGB") if ghost else None
            # the quality gate, and the same guidance as the live camera's against the ghost
            report = assess_photo(preview, previous=previous, full_size=(shot.width, shot.height))
            return path, report, Guide(previous).read_photo(preview)

        self.app.run_in_background(check, self._checked)

    def _checked(self, result: tuple[Path, QualityReport, Reading]) -> None:
        path, report, reading = result
        if self._shot is None or not path.name.startswith(self._shot.key):
            return  # a retake overtook this check
        self._report = report
        self.review_source = str(path)
        self.checking = False
        self.quality_ok, lines = review(report, reading)
        if self.quality_ok:
            lined_up = " and lined up with your last photo" if reading.lined_up else ""
            self.quality_text = f"Sharp, well lit{lined_up}. Good to keep."
        else:
            self.quality_text = "\n".join(f"- {line}" for line in lines)

    def retake(self) -> None:
        self._forget_review()
        self.stage = "capture"
        if self._guidance is not None:
            self._guidance.rearm()
        self._start_guidance()

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
        self._stop_guidance()
        self.app.camera.stop()
