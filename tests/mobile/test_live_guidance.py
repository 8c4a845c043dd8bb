"""Live guidance off the UI thread, without Kivy: frames from a camera's raw buffer, the newest
frame read (never the same twice), the photo asked for once, and the setting respected."""

from __future__ import annotations

import threading
import time

from PIL import Image

from mobile.platform.camera import PreviewFrame, frame_from_buffer
from mobile.services.live_guidance import LiveGuidance
from tests.shared.frames import moved, scalp, with_noise


def test_raw_camera_buffers_become_pictures():
    picture = Image.new("RGB", (4, 2), (10, 20, 30))
    assert frame_from_buffer(picture.tobytes(), (4, 2), "rgb").getpixel((0, 0)) == (10, 20, 30)
    bgr = bytes(v for _ in range(8) for v in (30, 20, 10))
    assert frame_from_buffer(bgr, (4, 2), "bgr").getpixel((3, 1)) == (10, 20, 30)
    nv21 = bytes(range(8)) + bytes([128] * 4)  # the Y plane, then interleaved chroma
    grey = frame_from_buffer(nv21, (4, 2), "nv21")
    assert grey.mode == "L" and grey.tobytes() == bytes(range(8))
    assert frame_from_buffer(b"\x00" * 5, (4, 2), "rgb") is None  # short: not a frame
    assert frame_from_buffer(b"\x00" * 24, (4, 2), "yuv420p") is None  # a format we do not read


class Stream:
    """A camera delivering frames at 20 a second from its own thread."""

    def __init__(self, pictures: list[Image.Image]) -> None:
        self.pictures = pictures
        self.frame: PreviewFrame | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        number = 0
        while not self._stop.is_set():
            number += 1
            self.frame = PreviewFrame(number=number, at=time.monotonic(), image=self.pictures[number % len(self.pictures)])
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _wait(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "guidance did not get there"
        time.sleep(0.01)


def test_the_photo_is_asked_for_once_after_the_hold_and_again_only_after_a_retake():
    aligned = [with_noise(scalp(), seed=n) for n in range(3)]
    readings, taken = [], []
    with Stream(aligned) as stream:
        guidance = LiveGuidance(lambda: stream.frame, lambda r, p: readings.append((r, p)), taken.append, auto_capture=True)
        guidance.use_ghost(scalp())
        started = time.monotonic()
        guidance.start()
        _wait(lambda: taken)
        held = time.monotonic() - started
        time.sleep(0.5)
        assert len(taken) == 1 and held >= 1.0
        assert readings[-1][1] == 1.0  # the hold bar is full
        guidance.rearm()
        _wait(lambda: len(taken) == 2)
        guidance.stop()
    assert not guidance.running
    assert len(readings) == guidance.frames_read
    assert guidance.frames_read <= 20 * (time.monotonic() - started)  # never more than the frames the camera gave


def test_with_automatic_capture_off_nothing_is_taken_and_far_frames_say_so():
    off = [with_noise(moved(scalp(), dx=-0.2), seed=n) for n in range(2)]
    readings, taken = [], []
    with Stream(off) as stream:
        guidance = LiveGuidance(lambda: stream.frame, lambda r, p: readings.append(r), taken.append, auto_capture=False)
        guidance.use_ghost(scalp())
        guidance.start()
        _wait(lambda: len(readings) >= 5)
        guidance.stop()
    assert taken == []
    assert {r.hint.value for r in readings} == {"move_left"}
