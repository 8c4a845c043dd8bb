"""The capture screen in a real Kivy window, fed a synthetic frame sequence made from a real
scalp-like photo: the outline goes orange -> yellow -> green, the hint says what to change, and
the photo is taken by itself once it has lined up for a second (or, with that setting off, only
when the patient taps). Screenshots of each state go to tests/artifacts/."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.mobile.conftest import pump, screenshot
from tests.mobile.frame_camera import FrameSequenceCamera
from tests.shared.frames import CAMERA_SIZE, blurred, moved, with_noise
from tests.shared.frames import scalp as scalp_at

pytestmark = pytest.mark.kivy

FRAME_SECONDS = 0.1  # the camera's frame interval here: 10 frames a second


def scalp() -> Image.Image:
    return scalp_at(CAMERA_SIZE)


def _ghost_and_month_one(phone_app, backend) -> None:
    """An enrolled patient a month in, whose phone kept last month's frontal photo (the ghost)."""
    invited = backend.invite_patient("Alex Morgan", baseline_days_ago=30)
    phone_app.session.enrol(invited.code)
    phone_app.session.uploads.stop()
    out = io.BytesIO()
    scalp().save(out, format="JPEG", quality=92)
    photo = phone_app.session.queue.add(
        key=phone_app.session.new_photo_key(), checkin_month=0, view_id="frontal", data=out.getvalue(),
        width=CAMERA_SIZE[0], height=CAMERA_SIZE[1], captured_at=1.0,
    )
    phone_app.session.queue.mark_completed(photo.key, "last-month")


def _open_capture(phone_app, camera):
    phone_app._camera = camera
    phone_app.go("checkin", month=1)
    checkin = phone_app.manager.current_screen
    for item in checkin.ids.prep_list.children:
        item.dispatch("on_press")
    checkin.ids.prep_continue.dispatch("on_release")
    pump(lambda: "your last photo" in checkin.steps_text)  # the ghost was found
    checkin.ids.steps_ready.dispatch("on_release")
    assert checkin.stage == "capture"
    return checkin


def noisy(picture: Image.Image, count: int = 5) -> list[Image.Image]:
    """Frames of one scene, each with its own sensor noise (made before streaming, as a camera's are)."""
    return [with_noise(picture, seed=n) for n in range(count)]


def _stream(camera, frames: list[Image.Image], seconds: float, until=None) -> None:
    """The camera shows `frames` in turn at 10 a second for `seconds` (or until `until()`)."""
    from kivy.clock import Clock

    shown = {"frames": 0}

    def next_frame(dt):
        camera.show(frames[shown["frames"] % len(frames)])
        shown["frames"] += 1

    event = Clock.schedule_interval(next_frame, FRAME_SECONDS)
    try:
        next_frame(0)
        count = round(seconds / FRAME_SECONDS)
        pump(lambda: shown["frames"] >= count or (until is not None and until()), timeout=30)
    finally:
        event.cancel()


def test_the_outline_turns_green_and_the_photo_is_taken_by_itself(phone_app, backend, kivy_window):
    _ghost_and_month_one(phone_app, backend)
    camera = FrameSequenceCamera()
    camera.show(with_noise(moved(scalp(), dx=0.22, degrees=6), seed=100))
    checkin = _open_capture(phone_app, camera)
    assert "the app takes the photo by itself" in checkin.steps_text
    viewfinder = checkin.ids.viewfinder
    guide_colour = lambda: tuple(viewfinder.ids.guide.colour)  # noqa: E731

    from mobile.screens import theme

    _stream(camera, noisy(moved(scalp(), dx=0.22, degrees=6)), 0.6, until=lambda: checkin.fit == "far")
    pump(lambda: checkin.fit == "far")
    assert checkin.live_hint == "Move the phone right." and guide_colour() == theme.GUIDE_FAR
    screenshot(kivy_window, "23-capture-far-off")

    _stream(camera, noisy(moved(scalp(), dx=0.07)), 0.6, until=lambda: checkin.fit == "near")
    pump(lambda: checkin.fit == "near" and checkin.live_hint == "Move the phone right.")
    assert guide_colour() == theme.GUIDE
    screenshot(kivy_window, "24-capture-nearly-aligned")

    _stream(camera, noisy(blurred(scalp(), 9)), 0.5, until=lambda: checkin.live_hint == "Lined up. Hold still.")
    pump(lambda: checkin.live_hint == "Lined up. Hold still." and checkin.fit == "near")
    assert checkin.stage == "capture" and camera.shots == []  # lined up but blurred: not taken

    aligned = noisy(scalp())
    # lined up and sharp: green at once, and the photo a second later, once
    _stream(camera, aligned, 0.4, until=lambda: checkin.fit == "ready")
    pump(lambda: checkin.fit == "ready")
    assert guide_colour() == theme.GUIDE_READY
    assert checkin.live_hint.endswith("Hold still: taking the photo.")
    screenshot(kivy_window, "25-capture-aligned")
    assert checkin.stage == "capture" and camera.shots == []  # the hold has only begun
    _stream(camera, aligned, 3.0, until=lambda: checkin.stage == "review")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert len(camera.shots) == 1 and checkin.taken_by_itself
    assert (camera.shots[0].width, camera.shots[0].height) == CAMERA_SIZE  # the full frame, not the analysis copy
    assert checkin.quality_ok, checkin.quality_text
    assert "lined up with your last photo" in checkin.quality_text
    screenshot(kivy_window, "26-capture-taken-by-itself")

    # a retake starts guidance again; the next photo also needs a full second's hold
    checkin.ids.retake_button.dispatch("on_release")
    assert checkin.stage == "capture"
    _stream(camera, aligned, 3.0, until=lambda: checkin.stage == "review")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert len(camera.shots) == 2
    checkin.ids.keep_button.dispatch("on_release")
    pump(lambda: checkin.view_label == "Vertex (top, parted)")
    kept = [p for p in phone_app.session.queue.all() if p.checkin_month == 1]
    assert [(p.view_id, p.path.read_bytes() == camera.shots[1].data) for p in kept] == [("frontal", True)]


def test_with_automatic_capture_off_only_the_button_takes_the_photo(phone_app, backend, kivy_window):
    _ghost_and_month_one(phone_app, backend)
    phone_app.go("settings")
    settings = phone_app.manager.current_screen
    assert settings.ids.auto_capture.active
    settings.ids.auto_capture.active = False
    screenshot(kivy_window, "27-settings-auto-capture-off")
    from mobile.services.phone_settings import PhoneSettings

    assert PhoneSettings(phone_app.data_dir / "phone.sqlite3").auto_capture is False  # kept on the phone

    camera = FrameSequenceCamera()
    camera.show(scalp())
    aligned = noisy(scalp())
    checkin = _open_capture(phone_app, camera)
    assert "tap Take photo when the outline turns green" in checkin.steps_text
    assert "by itself" not in checkin.steps_text
    _stream(camera, aligned, 2.0)
    assert checkin.fit == "ready" and checkin.live_hint.endswith("Take the photo now.")
    assert checkin.stage == "capture" and camera.shots == []  # two seconds lined up: nothing taken

    checkin.ids.capture_button.dispatch("on_release")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert len(camera.shots) == 1 and not checkin.taken_by_itself and checkin.quality_ok


def test_a_chosen_file_is_scored_against_the_ghost_before_it_is_kept(phone_app, backend, kivy_window, tmp_path):
    _ghost_and_month_one(phone_app, backend)
    off = tmp_path / "pictures" / "frontal-off.jpg"
    moved(scalp(), dx=-0.15).save(off, format="JPEG", quality=92)
    phone_app.go("checkin", month=1)
    checkin = phone_app.manager.current_screen
    for item in checkin.ids.prep_list.children:
        item.dispatch("on_press")
    checkin.ids.prep_continue.dispatch("on_release")
    pump(lambda: "compares it with your last photo" in checkin.steps_text)
    checkin.ids.steps_ready.dispatch("on_release")
    checkin.ids.capture_button.dispatch("on_release")
    phone_app.camera.popup.choose(off)
    phone_app.camera.popup.ids.use_button.dispatch("on_release")
    pump(lambda: checkin.stage == "review" and not checkin.checking)
    assert not checkin.quality_ok
    assert "It does not line up with your last photo. Move the phone left." in checkin.quality_text
    assert checkin.ids.keep_button.text == "Keep anyway"
    screenshot(kivy_window, "28-chosen-file-not-lined-up")
    assert phone_app.session.queue.all()[-1].checkin_month == 0  # nothing kept for month 1 yet
