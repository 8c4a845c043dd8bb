"""The cue that the photo was taken by itself: a short vibration where the phone has one
(plyer's vibrator: Android, iOS), else a short sound through Kivy's audio (a desktop). The
capture screen also flashes the viewfinder, so a phone on silent still shows it."""

from __future__ import annotations

import logging
from pathlib import Path

from mobile.platform import platform_name

log = logging.getLogger(__name__)

SHUTTER_SOUND = Path(__file__).resolve().parents[1] / "data" / "shutter.wav"
VIBRATE_SECONDS = 0.08


class CaptureCue:
    """`give()` plays the cue and says which one ran ("vibration", "sound" or "none")."""

    def __init__(self, platform: str | None = None) -> None:
        self.platform = platform or platform_name()
        self._sound = None
        self._sound_loaded = False

    def give(self) -> str:
        if self.platform in ("android", "ios") and self._vibrate():
            return "vibration"
        if self._play():
            return "sound"
        return "none"

    def _vibrate(self) -> bool:
        try:
            from plyer import vibrator

            vibrator.vibrate(VIBRATE_SECONDS)
            return True
        except Exception as error:  # no vibrator, or the permission was refused: fall back to sound
            log.info("no vibration: %s", error)
            return False

    def _play(self) -> bool:
        if not self._sound_loaded:
            self._sound_loaded = True
            try:
                from kivy.core.audio import SoundLoader

                self._sound = SoundLoader.load(str(SHUTTER_SOUND))
            except Exception as error:  # no audio provider on this machine
                log.info("no capture sound: %s", error)
        if self._sound is None:
            return False
        self._sound.stop()
        self._sound.play()
        return True
