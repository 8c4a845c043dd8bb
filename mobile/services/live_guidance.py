"""Runs live guidance off the UI thread: takes the newest preview frame (never a queue of stale
ones), reads it with shared.guidance, hands each reading to the screen, and says once when the
photo should be taken by itself. No Kivy here: the screen passes callbacks that hop back to its
own thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PIL import Image

from mobile.platform.camera import PreviewFrame
from shared.guidance import AutoCapture, Guide, Reading

log = logging.getLogger(__name__)

# Frames read per second at most: 10 make a smooth hint; more would only take CPU from the preview.
MAX_RATE = 12.0
IDLE_WAIT = 0.01  # no new frame yet: look again this soon


class LiveGuidance:
    def __init__(
        self,
        frames: Callable[[], PreviewFrame | None],
        on_reading: Callable[[Reading, float], None],
        on_take_photo: Callable[[Reading], None],
        *,
        auto_capture: bool,
        max_rate: float = MAX_RATE,
    ) -> None:
        """`on_reading(reading, hold_progress)` for every frame read; `on_take_photo(reading)` once,
        when automatic capture is on and the hold is complete."""
        self._frames = frames
        self._on_reading = on_reading
        self._on_take_photo = on_take_photo
        self.auto_capture = auto_capture
        self._interval = 1.0 / max_rate
        self._guide = Guide(None)
        self._trigger = AutoCapture()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_read = 0
        self.cpu_seconds = 0.0  # the reading thread's own CPU time (the benchmark reports it)

    def use_ghost(self, ghost: Image.Image | None) -> None:
        """Compare frames with this picture from now on (None: no earlier photo of the view)."""
        guide = Guide(ghost)
        with self._lock:
            self._guide = guide
            self._trigger.rearm()

    def rearm(self) -> None:
        """After a retake: the next hold may take the photo again."""
        with self._lock:
            self._trigger.rearm()
            self._guide.forget_motion()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="follicle-guidance", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        last_number = -1
        while not self._stop.is_set():
            started = time.monotonic()
            frame = self._frames()
            if frame is None or frame.number == last_number:
                self._stop.wait(IDLE_WAIT)
                continue
            last_number = frame.number
            cpu = time.thread_time()
            try:
                self.read(frame)
            except Exception:  # a bad frame must not end guidance; the manual button still works
                log.exception("live guidance could not read a frame")
            self.cpu_seconds += time.thread_time() - cpu
            self._stop.wait(max(0.0, self._interval - (time.monotonic() - started)))

    def read(self, frame: PreviewFrame) -> Reading:
        """Read one frame (the thread does this; tests and the benchmark may call it directly)."""
        with self._lock:
            reading = self._guide.read(frame.image)
            fire = self.auto_capture and self._trigger.update(reading, frame.at)
            progress = self._trigger.progress(frame.at) if self.auto_capture and reading.ready else 0.0
        self.frames_read += 1
        self._on_reading(reading, progress)
        if fire:
            self._on_take_photo(reading)
        return reading

