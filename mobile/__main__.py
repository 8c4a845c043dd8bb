"""`python -m mobile` (what `make app` runs): the patient app in a phone-sized window."""

from __future__ import annotations

import os
import sys


def configure_desktop() -> None:
    """Window and GL settings for a desktop; call before Kivy creates its window."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    # Mesa's software renderer (llvmpipe, on machines without a GPU) keeps tens of MB per rasteriser
    # thread once frames redraw; this small UI draws as fast on one. A real GPU driver ignores it.
    os.environ.setdefault("LP_NUM_THREADS", "0")
    from kivy.config import Config

    Config.set("graphics", "width", os.environ.get("FOLLICLE_APP_WIDTH", "400"))
    Config.set("graphics", "height", os.environ.get("FOLLICLE_APP_HEIGHT", "800"))
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")


def main() -> None:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_LOG_LEVEL", "warning")
    from mobile.platform import platform_name

    if platform_name() == "desktop":
        configure_desktop()

    from mobile.app import FollicleApp

    FollicleApp().run()


if __name__ == "__main__":
    sys.exit(main())
