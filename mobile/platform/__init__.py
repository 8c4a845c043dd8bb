"""Platform facades with real desktop fallbacks (plyer's Proxy idea): camera, QR decoding,
notifications. Each `*_for_platform()` picks the best implementation this device offers."""

from __future__ import annotations

import os
import sys


def platform_name() -> str:
    """'android', 'ios' or 'desktop' (kivy.utils.platform without importing Kivy)."""
    if "ANDROID_ARGUMENT" in os.environ or "ANDROID_PRIVATE" in os.environ:
        return "android"
    if sys.platform == "ios":
        return "ios"
    return "desktop"


def default_data_dir():
    """Where the app keeps its database, photos and token: Android's app-private storage (shared
    with the reminder service); None elsewhere (the App's user_data_dir)."""
    from pathlib import Path

    if platform_name() == "android":
        return Path(os.environ["ANDROID_PRIVATE"]) / "follicle"
    return None


def launch_link() -> str | None:
    """The follicle://enrol?... link the app was opened with (a scanned QR code), on Android."""
    if platform_name() != "android":
        return None
    from jnius import autoclass  # only on Android builds

    intent = autoclass("org.kivy.android.PythonActivity").mActivity.getIntent()
    data = intent.getDataString() if intent is not None else None
    return str(data) if data and str(data).startswith("follicle://enrol") else None
