"""Taking a photo: Kivy's live Camera where a camera provider exists (Android, a desktop with
OpenCV or GStreamer), otherwise a file chooser for a photo already on the computer.

Both give a `CapturedImage` whose idempotency key is minted at that moment: from then on the
photo is one photo to the backend, however often its upload is retried.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from mobile.services.upload_queue import new_idempotency_key

log = logging.getLogger(__name__)

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".heif")
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".heic": "image/heic", ".heif": "image/heic"}
# live frames are asked for at Full HD: the quality check wants at least 1080 px on the short side
PREVIEW_RESOLUTION = (1920, 1080)


@dataclass(frozen=True)
class CapturedImage:
    data: bytes
    width: int
    height: int
    content_type: str
    source: str  # "camera" or the chosen file's name, for the patient's eyes only
    captured_at: float = field(default_factory=time.time)
    key: str = field(default_factory=new_idempotency_key)

    def preview(self, max_side: int = 1024) -> Image.Image:
        """An upright RGB copy at most `max_side` px, decoded cheaply (JPEG draft mode)."""
        image = Image.open(io.BytesIO(self.data))
        image.draft("RGB", (max_side, max_side))
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((max_side, max_side))
        return image


@dataclass(frozen=True)
class PreviewFrame:
    """One preview frame for live guidance: `number` grows with each new frame, `at` is when it
    was seen (time.monotonic), `image` is the picture at the stream's resolution."""

    number: int
    at: float
    image: Image.Image


def frame_from_buffer(data: bytes | memoryview, size: tuple[int, int], pixel_format: str) -> Image.Image | None:
    """A camera provider's raw frame as a picture: NV21 (Android: its first plane is the grey
    picture, all guidance needs), or packed rgb / bgr / rgba / bgra; None for anything else."""
    width, height = size
    if pixel_format == "nv21":
        return Image.frombuffer("L", size, bytes(data[: width * height]), "raw", "L", 0, 1)
    modes = {"rgb": ("RGB", "RGB"), "bgr": ("RGB", "BGR"), "rgba": ("RGBA", "RGBA"), "bgra": ("RGBA", "BGRA")}
    if pixel_format not in modes or len(data) < width * height * len(modes[pixel_format][0]):
        return None
    mode, raw = modes[pixel_format]
    return Image.frombuffer(mode, size, bytes(data), "raw", raw, 0, 1)


def image_from_file(path: Path) -> CapturedImage:
    """A photo file as a capture: the original bytes (the backend strips metadata), its real size."""
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        width, height = ImageOps.exif_transpose(image).size if _has_orientation(image) else image.size
    return CapturedImage(
        data=data,
        width=width,
        height=height,
        content_type=CONTENT_TYPES.get(path.suffix.lower(), "image/jpeg"),
        source=path.name,
    )


def _has_orientation(image: Image.Image) -> bool:
    return image.getexif().get(0x0112, 1) in (5, 6, 7, 8)


class FileChooserCamera:
    """No camera here: the patient picks a photo file (from a phone, an SD card, a scanner)."""

    live = False
    action_text = "Choose a photo"

    def __init__(self, start_folder: Path | None = None) -> None:
        self.start_folder = start_folder or _pictures_folder()
        self.popup = None

    def preview_widget(self):
        return None

    def frame(self) -> Image.Image | None:
        return None

    def preview_frame(self) -> PreviewFrame | None:
        return None

    def capture(self, on_captured: Callable[[CapturedImage], None], on_cancelled: Callable[[], None]) -> None:
        from mobile.screens.file_picker import FilePicker

        def picked(path: Path) -> None:
            self.popup = None
            try:
                image = image_from_file(path)
            except (OSError, ValueError) as error:
                log.warning("could not read %s: %s", path, error)
                on_cancelled()
                return
            on_captured(image)

        def cancelled() -> None:
            self.popup = None
            on_cancelled()

        self.popup = FilePicker(
            title="Choose the photo",
            folder=self.start_folder,
            suffixes=PHOTO_SUFFIXES,
            on_pick=picked,
            on_cancel=cancelled,
        )
        self.popup.open()

    def stop(self) -> None:
        if self.popup is not None:
            self.popup.dismiss()


class LiveCamera:
    """Kivy's Camera widget: a live preview under the guide and the ghost, and a shot from its frame."""

    live = True
    action_text = "Take photo"

    def __init__(self) -> None:
        self._widget = None
        self._last_buffer: object = None
        self._frames = 0

    def preview_widget(self):
        if self._widget is None:
            from kivy.uix.camera import Camera

            self._widget = Camera(play=True, resolution=PREVIEW_RESOLUTION, allow_stretch=True)
        self._widget.play = True
        return self._widget

    def frame(self) -> Image.Image | None:
        """The preview's current picture, upright (for live hints), or None before the first frame."""
        texture = self._widget.texture if self._widget is not None else None
        if texture is None:
            return None
        return Image.frombytes("RGBA", texture.size, texture.pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)

    def preview_frame(self) -> PreviewFrame | None:
        """The newest frame straight from the camera provider's buffer (safe off the UI thread: no
        GL), or None when there is no new one or the provider keeps no buffer we can read."""
        core = getattr(self._widget, "_camera", None)
        buffer = getattr(core, "_buffer", None)
        if core is None or buffer is None or buffer is self._last_buffer:
            return None
        self._last_buffer = buffer
        if type(core).__name__ == "CameraAndroid":
            pixel_format = "nv21"
        else:
            pixel_format = str(getattr(core, "_format", "rgb")).lower()
        width, height = core.resolution
        image = frame_from_buffer(buffer, (int(width), int(height)), pixel_format)
        if image is None:
            return None
        self._frames += 1
        return PreviewFrame(number=self._frames, at=time.monotonic(), image=image)

    def capture(self, on_captured: Callable[[CapturedImage], None], on_cancelled: Callable[[], None]) -> None:
        """The shot at the stream's full resolution (the frame on screen, not the analysis copy)."""
        frame = self.frame()
        if frame is None:
            on_cancelled()
            return
        buffer = io.BytesIO()
        frame.convert("RGB").save(buffer, format="JPEG", quality=92)
        on_captured(
            CapturedImage(data=buffer.getvalue(), width=frame.width, height=frame.height, content_type="image/jpeg", source="camera")
        )

    def stop(self) -> None:
        if self._widget is not None:
            self._widget.play = False


def camera_for_platform():
    """LiveCamera when Kivy has a camera provider here, else FileChooserCamera."""
    try:
        from kivy.core.camera import Camera as CoreCamera
    except Exception:  # a broken provider import must not stop the check-in
        CoreCamera = None
    return LiveCamera() if CoreCamera is not None else FileChooserCamera()


def _pictures_folder() -> Path:
    for candidate in (Path.home() / "Pictures", Path.home()):
        if candidate.is_dir():
            return candidate
    return Path.cwd()
