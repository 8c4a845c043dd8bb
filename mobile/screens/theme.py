"""Colours and sizes shared by every screen's kv: high contrast, large type, big touch targets."""

from __future__ import annotations

BACKGROUND = (0.957, 0.965, 0.973, 1)  # #F4F6F8
SURFACE = (1, 1, 1, 1)
BORDER = (0.84, 0.86, 0.89, 1)
TEXT = (0.10, 0.13, 0.18, 1)  # #1A212E
MUTED = (0.33, 0.37, 0.43, 1)  # #545E6D, 6.4:1 on white
ACCENT = (0.039, 0.42, 0.40, 1)  # #0A6B66 teal, 6:1 with white text
ACCENT_PRESSED = (0.02, 0.31, 0.29, 1)
ACCENT_SOFT = (0.88, 0.95, 0.94, 1)
ON_ACCENT = (1, 1, 1, 1)
DISABLED = (0.78, 0.80, 0.83, 1)
DANGER = (0.70, 0.11, 0.11, 1)
WARNING_SOFT = (1.0, 0.95, 0.84, 1)
WARNING_TEXT = (0.50, 0.29, 0.0, 1)
SUCCESS = (0.07, 0.47, 0.24, 1)
SUCCESS_SOFT = (0.89, 0.96, 0.91, 1)
VIEWFINDER = (0.13, 0.14, 0.16, 1)
GUIDE = (1.0, 0.85, 0.25, 1)  # the drawn outline: yellow reads on dark hair and on skin
GUIDE_FAR = (1.0, 0.52, 0.12, 1)  # orange: well off the last photo
GUIDE_READY = (0.25, 0.88, 0.38, 1)  # green: lined up, sharp, well lit, steady
GUIDE_COLOURS = {"far": GUIDE_FAR, "near": GUIDE, "ready": GUIDE_READY}

TITLE_SP = 24
HEADING_SP = 19
BODY_SP = 17
SMALL_SP = 15
BUTTON_DP = 52
RADIUS_DP = 12
PAGE_PADDING_DP = 16
