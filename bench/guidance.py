"""Live capture guidance benchmark: how many preview frames a second live guidance reads, what it
costs the preview, and how long after the picture lines up the photo is taken by itself.

Frames are 1920 x 1080 camera frames (the app asks Kivy's camera for Full HD) of a synthetic
scalp photo (backend/demo_photos.py) with fresh sensor noise each, read against the view's ghost
(its upright 3:4 centre, as the phone keeps it).

1. Reading alone, one thread: frames read per second by `shared.guidance.Guide.read`, against
   the live hint the app ran before (quality.py's `assess_photo` on the whole frame) and the bare
   crop-and-shrink every reading starts with, in the same run.
2. In a real Kivy window (skipped without a GL context, or with --no-window): a preview that
   uploads a new camera frame 30 times a second, as Kivy's camera providers do, first alone, then
   with `LiveGuidance` reading frames in its background thread; the preview's frame rate in both
   (the ratio is the cost), the frames guidance read per second meanwhile, and, after the frames
   switch from off to lined up, the time until the photo is taken by itself (the hold is
   HOLD_SECONDS by design; the rest is latency).

Target (DESIGN.md): at least 10 analysed frames a second on the project's 2-core machine, the
preview not slowed. Run: `python bench/guidance.py [--seconds S] [--tiny] [--no-window]`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops  # noqa: E402

from backend.demo_photos import scalp_photo  # noqa: E402
from mobile.platform.camera import PreviewFrame  # noqa: E402
from mobile.services.live_guidance import LiveGuidance  # noqa: E402
from shared.alignment import crop_box  # noqa: E402
from shared.guidance import HOLD_SECONDS, Guide  # noqa: E402
from shared.quality import assess_photo, working_copy  # noqa: E402

FPS_TARGET = 10.0
CAMERA_FRAME = (1920, 1080)
PREVIEW_FPS = 30.0


def camera_frames(count: int, size: tuple[int, int], *, shift: float = 0.0) -> tuple[list[Image.Image], Image.Image]:
    """`count` noisy camera frames of one scene (its picture moved `shift` of the frame's width
    to the right), and the ghost: the scene's upright centre, as last month's photo."""
    scene = Image.open(io.BytesIO(scalp_photo("frontal", 3, size))).convert("RGB")
    box = crop_box(scene.size)
    ghost = scene.crop(box)
    ghost.thumbnail((1024, 1024))
    if shift:
        scene = scene.transform(
            scene.size, Image.Transform.AFFINE, (1, 0, -shift * (box[2] - box[0]), 0, 1, 0), fillcolor=(96, 80, 70)
        )
    frames = []
    for number in range(count):
        random.seed(number)
        noise = Image.effect_noise(scene.size, 4.0)
        frames.append(ImageChops.add(scene, Image.merge("RGB", (noise, noise, noise)), scale=1.0, offset=-128))
    return frames, ghost


def per_second(work, frames: list[Image.Image], seconds: float) -> float:
    """Calls of `work(frame)` a second, cycling through `frames` for about `seconds`."""
    done = 0
    started = time.perf_counter()
    while True:
        work(frames[done % len(frames)])
        done += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds and done >= 3:
            return done / elapsed


def reading_alone(frames: list[Image.Image], ghost: Image.Image, seconds: float) -> dict:
    guide = Guide(ghost)

    def shrink(frame: Image.Image) -> None:
        working_copy(frame.crop(crop_box(frame.size)))

    rates = {
        "guidance_read": per_second(guide.read, frames, seconds),
        "old_live_hint_assess_photo": per_second(assess_photo, frames, seconds),
        "crop_and_shrink_only": per_second(shrink, frames, seconds),
    }
    return {
        "frames_per_second": {name: round(rate, 1) for name, rate in rates.items()},
        "ms_per_frame": {name: round(1000 / rate, 2) for name, rate in rates.items()},
        "read_cost_vs_old_live_hint": round(rates["old_live_hint_assess_photo"] / rates["guidance_read"], 2),
        "read_cost_vs_crop_and_shrink": round(rates["crop_and_shrink_only"] / rates["guidance_read"], 2),
    }


def in_a_window(off: list[Image.Image], aligned: list[Image.Image], ghost: Image.Image, seconds: float) -> dict:
    """The preview in a Kivy window, alone and then with live guidance (see the module docstring)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_LEVEL", "error")
    os.environ.setdefault("LP_NUM_THREADS", "0")  # as `python -m mobile` runs on a machine without a GPU
    from kivy.config import Config

    Config.set("graphics", "width", "400")
    Config.set("graphics", "height", "800")
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.graphics.texture import Texture
    from kivy.uix.image import Image as KivyImage

    raw = {id(frame): frame.tobytes() for frame in off + aligned}
    result: dict = {}

    class Preview(App):
        def build(self):
            self.widget = KivyImage(fit_mode="cover")
            self.texture = Texture.create(size=off[0].size, colorfmt="rgb")
            self.texture.flip_vertical()
            self.widget.texture = self.texture
            self.lock = threading.Lock()
            self.current: PreviewFrame | None = None
            self.frames_shown = 0
            self.stream = off
            self.taken_at: float | None = None
            self.aligned_at: float | None = None
            return self.widget

        def show_next(self, dt: float) -> None:
            picture = self.stream[self.frames_shown % len(self.stream)]
            self.texture.blit_buffer(raw[id(picture)], colorfmt="rgb", bufferfmt="ubyte")  # what a camera provider does
            self.widget.canvas.ask_update()
            self.frames_shown += 1
            with self.lock:
                self.current = PreviewFrame(number=self.frames_shown, at=time.monotonic(), image=picture)

        def latest(self) -> PreviewFrame | None:
            with self.lock:
                return self.current

        def on_start(self) -> None:
            Clock.schedule_interval(self.show_next, 1 / PREVIEW_FPS)
            Clock.schedule_once(self.warmed_up, 0.5)

        def warmed_up(self, dt: float) -> None:
            self.mark = (time.monotonic(), self.frames_shown, time.thread_time())
            Clock.schedule_once(self.alone_done, seconds)

        def alone_done(self, dt: float) -> None:
            started, shown, cpu = self.mark
            result["preview_fps_alone"] = (self.frames_shown - shown) / (time.monotonic() - started)
            result["ui_cpu_ms_per_preview_frame_alone"] = 1000 * (time.thread_time() - cpu) / max(1, self.frames_shown - shown)
            self.guidance = LiveGuidance(self.latest, lambda reading, progress: None, self.taken, auto_capture=True)
            self.guidance.use_ghost(ghost)
            self.guidance.start()
            self.mark = (time.monotonic(), self.frames_shown, self.guidance.frames_read, time.thread_time(), self.guidance.cpu_seconds)
            Clock.schedule_once(self.with_guidance_done, seconds)

        def with_guidance_done(self, dt: float) -> None:
            started, shown, read, cpu, reading_cpu = self.mark
            elapsed = time.monotonic() - started
            result["preview_fps_with_guidance"] = (self.frames_shown - shown) / elapsed
            result["ui_cpu_ms_per_preview_frame_with_guidance"] = 1000 * (time.thread_time() - cpu) / max(1, self.frames_shown - shown)
            result["guidance_frames_per_second_during_preview"] = (self.guidance.frames_read - read) / elapsed
            reads = max(1, self.guidance.frames_read - read)
            result["guidance_cpu_ms_per_frame"] = 1000 * (self.guidance.cpu_seconds - reading_cpu) / reads
            result["guidance_cpu_share_of_one_core"] = (self.guidance.cpu_seconds - reading_cpu) / elapsed
            self.stream = aligned
            self.aligned_at = time.monotonic()
            Clock.schedule_once(self.give_up, HOLD_SECONDS + 5)

        def taken(self, reading) -> None:  # guidance's thread
            self.taken_at = time.monotonic()
            Clock.schedule_once(lambda dt: self.finish(), 0)

        def give_up(self, dt: float) -> None:
            self.finish()

        def finish(self) -> None:
            if self.aligned_at is not None and self.taken_at is not None:
                result["aligned_to_capture_s"] = self.taken_at - self.aligned_at
            self.guidance.stop()
            self.stop()

    Preview().run()
    if "aligned_to_capture_s" not in result:
        raise SystemExit("the photo was not taken by itself after the frames lined up")
    return {
        "preview_fps_alone": round(result["preview_fps_alone"], 1),
        "preview_fps_with_guidance": round(result["preview_fps_with_guidance"], 1),
        "preview_fps_ratio": round(result["preview_fps_with_guidance"] / result["preview_fps_alone"], 3),
        "ui_cpu_ms_per_preview_frame_alone": round(result["ui_cpu_ms_per_preview_frame_alone"], 2),
        "ui_cpu_ms_per_preview_frame_with_guidance": round(result["ui_cpu_ms_per_preview_frame_with_guidance"], 2),
        "guidance_cpu_ms_per_frame": round(result["guidance_cpu_ms_per_frame"], 2),
        "guidance_cpu_share_of_one_core": round(result["guidance_cpu_share_of_one_core"], 3),
        "guidance_frames_per_second_during_preview": round(result["guidance_frames_per_second_during_preview"], 1),
        "aligned_to_capture_s": round(result["aligned_to_capture_s"], 3),
        "hold_s": HOLD_SECONDS,
        "aligned_to_capture_over_hold": round(result["aligned_to_capture_s"] / HOLD_SECONDS, 3),
    }


def window_possible() -> bool:
    import subprocess

    probe = "import os; os.environ['KIVY_NO_ARGS']='1'; from kivy.core.window import Window; import sys; sys.exit(0 if Window else 3)"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, timeout=120).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measured phase")
    parser.add_argument("--tiny", action="store_true", help="small frames and short phases (the test suite's run)")
    parser.add_argument("--no-window", action="store_true", help="only the reading figures, no Kivy window")
    args = parser.parse_args()

    size = (480, 270) if args.tiny else CAMERA_FRAME
    seconds = 0.3 if args.tiny else args.seconds
    aligned, ghost = camera_frames(2 if args.tiny else 8, size)
    off, _ = camera_frames(2 if args.tiny else 8, size, shift=0.2)

    report: dict = {"camera_frame": list(size), "cpus": os.cpu_count(), "load_average": [round(v, 1) for v in os.getloadavg()]}
    report["reading_alone"] = reading_alone(aligned, ghost, seconds)
    if args.no_window:
        report["window"] = "not run (--no-window)"
    elif not window_possible():
        report["window"] = "not run: no GL context here"
    else:
        report["window"] = in_a_window(off, aligned, ghost, seconds)

    figures = report["window"] if isinstance(report["window"], dict) else {}
    fps = figures.get("guidance_frames_per_second_during_preview", report["reading_alone"]["frames_per_second"]["guidance_read"])
    report["target_frames_per_second"] = FPS_TARGET
    report["within_target"] = fps >= FPS_TARGET
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
