"""Enrol: the patient types the invite code from the clinic's card, or scans its QR code."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from PIL import Image

from mobile.platform import qr
from mobile.platform.camera import PHOTO_SUFFIXES
from mobile.screens.widgets import FollicleScreen, load_kv
from mobile.services.api_client import ApiError

load_kv(__file__)

QR_FRAME_SECONDS = 0.5


class EnrolScreen(FollicleScreen):
    error = StringProperty("")
    busy = BooleanProperty(False)
    # kv cannot watch `code_input.text.strip()` (a method call ends the chain it binds to), so the
    # field's every change (keys, paste, soft keyboard, a scanned code) lands here
    has_code = BooleanProperty(False)
    server_url = StringProperty("")
    qr_possible = BooleanProperty(False)
    qr_button_text = StringProperty("Scan the QR code")
    qr_help = StringProperty("")

    def on_pre_enter(self, *args) -> None:
        self.server_url = self.app.session.server_url
        self.qr_possible = qr.available()
        if not self.qr_possible:
            self.qr_help = "QR scanning is not available on this device. Type the code above instead."
        elif self.app.camera.live:
            self.qr_button_text = "Scan the QR code"
            self.qr_help = "Point the camera at the QR code on your clinic's card or screen."
        else:
            self.qr_button_text = "Open a picture of the QR code"
            self.qr_help = "No camera here: choose a photo or screenshot of the QR code instead."

    def code_changed(self, text: str) -> None:
        self.has_code = bool(text.strip())

    def connect(self, text: str | None = None) -> None:
        text = (text if text is not None else self.ids.code_input.text).strip()
        if not text:
            self.error = "Please type the code from your clinic's card."
            return
        self.error = ""
        self.busy = True
        self.app.run_in_background(lambda: self.app.session.enrol(text), self._enrolled, self._failed)

    def _enrolled(self, enrolled) -> None:
        self.busy = False
        self.ids.code_input.text = ""
        self.app.refresh_reminders()
        self.app.go("home")

    def _failed(self, error: ApiError) -> None:
        self.busy = False
        self.error = error.patient_text

    # the QR code

    def scan_qr(self) -> None:
        self.error = ""
        if self.app.camera.live:
            self._scan_live()
        else:
            self._scan_picture()

    def _scan_picture(self) -> None:
        from mobile.screens.file_picker import FilePicker

        FilePicker(
            title="Choose a picture of the QR code",
            folder=self.app.camera.start_folder,
            suffixes=PHOTO_SUFFIXES,
            on_pick=self.use_qr_picture,
            on_cancel=lambda: None,
        ).open()

    def use_qr_picture(self, path: Path) -> None:
        try:
            with Image.open(path) as image:
                text = qr.decode_qr(image)
        except OSError:
            text = None
        self._found(text)

    def _scan_live(self) -> None:
        from kivy.uix.modalview import ModalView

        camera = self.app.camera
        view = ModalView(size_hint=(0.95, 0.7))
        view.add_widget(camera.preview_widget())

        def look(dt: float) -> None:
            texture = camera.preview_widget().texture
            if texture is None:
                return
            frame = Image.frombytes("RGBA", texture.size, texture.pixels)
            text = qr.decode_qr(frame)
            if text:
                event.cancel()
                view.dismiss()
                self._found(text)

        event = Clock.schedule_interval(look, QR_FRAME_SECONDS)
        view.bind(on_dismiss=lambda *a: (event.cancel(), view.clear_widgets(), camera.stop()))
        view.open()

    def _found(self, text: str | None) -> None:
        if not text:
            self.error = "No QR code found in that picture. Try again, or type the code."
            return
        self.ids.code_input.text = text
        self.connect(text)
