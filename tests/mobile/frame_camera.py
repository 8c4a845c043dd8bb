"""A camera for the capture screen's tests: a live preview whose frames the test chooses (a
synthetic sequence made from a real scalp-like photo), read by live guidance exactly as a
phone's camera frames are, and shot at full resolution."""

from __future__ import annotations

import io
import threading
import time

from PIL import Image

from mobile.platform.camera import CapturedImage, PreviewFrame


class FrameSequenceCamera:
    live = True
    action_text = "Take photo"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: PreviewFrame | None = None
        self._widget = None
        self.shots: list[CapturedImage] = []

    def show(self, picture: Image.Image) -> None:
        """The camera now sees `picture` (call on the UI thread: it also updates the preview)."""
        with self._lock:
            number = self._frame.number + 1 if self._frame else 1
            self._frame = PreviewFrame(number=number, at=time.monotonic(), image=picture)
        if self._widget is not None:
            self._draw(picture)

    def preview_widget(self):
        from kivy.uix.image import Image as KivyImage

        if self._widget is None:
            self._widget = KivyImage(fit_mode="cover")
        if self._frame is not None:
            self._draw(self._frame.image)
        return self._widget

    def _draw(self, picture: Image.Image) -> None:
        from kivy.graphics.texture import Texture

        rgb = picture.convert("RGB")
        texture = Texture.create(size=rgb.size, colorfmt="rgb")
        texture.blit_buffer(rgb.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes(), colorfmt="rgb", bufferfmt="ubyte")
        self._widget.texture = texture

    def preview_frame(self) -> PreviewFrame | None:
        with self._lock:
            return self._frame

    def frame(self) -> Image.Image | None:
        frame = self.preview_frame()
        return frame.image if frame else None

    def capture(self, on_captured, on_cancelled) -> None:
        frame = self.preview_frame()
        if frame is None:
            on_cancelled()
            return
        out = io.BytesIO()
        frame.image.convert("RGB").save(out, format="JPEG", quality=92)
        shot = CapturedImage(
            data=out.getvalue(), width=frame.image.width, height=frame.image.height, content_type="image/jpeg", source="camera"
        )
        self.shots.append(shot)
        on_captured(shot)

    def stop(self) -> None:
        pass
