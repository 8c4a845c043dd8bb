"""Live capture guidance: one reading per preview frame (light, focus, steadiness and how the
picture sits against the ghost), the one short hint that helps most, and the trigger that takes
the photo once everything has held for about a second.

Pure Python over Pillow and numpy: the phone runs it on preview frames in a background thread and
on a chosen photo file before it is kept; the figures are shared/quality.py's, the alignment
shared/alignment.py's. Directions are for the phone, as the patient moves it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from PIL import Image

from shared.alignment import ANALYSIS_HEIGHT, ANALYSIS_WIDTH, Alignment, Ghost, crop_box, frame_motion
from shared.quality import FrameFigures, HintId, QualityReport, figure_hints, measure, working_copy

# Within these the picture matches the ghost: the outline turns green and the photo may be taken.
ALIGNED_SHIFT = 0.04  # of the frame's width or height
ALIGNED_SCALE = 1.06  # bigger or smaller by this factor at most
ALIGNED_DEGREES = 4.0
# Within these it is nearly there (the outline turns yellow); beyond them it is far off (orange).
NEAR_SHIFT = 0.12
NEAR_SCALE = 1.2
NEAR_DEGREES = 12.0
# Below this likeness once lined up, the frame is not the ghost's scene: the estimates mean nothing.
MIN_MATCH = 0.45
# The picture moving more than this (of the frame's width) between two frames is not held still.
MAX_MOTION = 0.03
# Everything must hold this long before the photo is taken by itself.
HOLD_SECONDS = 1.0


class Fit(StrEnum):
    """The outline's colour: how close the frame is to a photo worth taking."""

    FAR = "far"  # orange: well off the ghost, or another scene
    NEAR = "near"  # yellow: nearly lined up, or lined up but too dark, blurry or moving
    READY = "ready"  # green: lined up, sharp, well lit and steady


class Hint(StrEnum):
    MORE_LIGHT = "more_light"
    LESS_LIGHT = "less_light"
    HOLD_STILL = "hold_still"
    FIND_GHOST = "find_ghost"
    MOVE_LEFT = "move_left"
    MOVE_RIGHT = "move_right"
    MOVE_UP = "move_up"
    MOVE_DOWN = "move_down"
    CLOSER = "closer"
    FARTHER = "farther"
    TURN_CLOCKWISE = "turn_clockwise"
    TURN_ANTICLOCKWISE = "turn_anticlockwise"
    READY = "ready"


HINT_MESSAGES: dict[Hint, str] = {
    Hint.MORE_LIGHT: "More light: face a window or turn on a lamp.",
    Hint.LESS_LIGHT: "Too bright: move out of direct light.",
    Hint.HOLD_STILL: "Hold still.",
    Hint.FIND_GHOST: "Line the picture up with the faded photo.",
    Hint.MOVE_LEFT: "Move the phone left.",
    Hint.MOVE_RIGHT: "Move the phone right.",
    Hint.MOVE_UP: "Move the phone up.",
    Hint.MOVE_DOWN: "Move the phone down.",
    Hint.CLOSER: "Move the phone closer.",
    Hint.FARTHER: "Move the phone back a little.",
    Hint.TURN_CLOCKWISE: "Turn the phone a little clockwise.",
    Hint.TURN_ANTICLOCKWISE: "Turn the phone a little anticlockwise.",
    Hint.READY: "Lined up, sharp and well lit.",
}


def hint_text(hint: Hint, *, lined_up: bool | None, auto_capture: bool) -> str:
    """The words the patient sees for a reading, true to whether the app will take the photo itself
    (`lined_up` None: no earlier photo of the view to line up with)."""
    if hint is Hint.READY:
        first = "Sharp, well lit and steady." if lined_up is None else "Lined up, sharp and well lit."
        return f"{first} Hold still: taking the photo." if auto_capture else f"{first} Take the photo now."
    if hint is Hint.HOLD_STILL and lined_up:
        return "Lined up. Hold still."
    return HINT_MESSAGES[hint]


@dataclass(frozen=True)
class Reading:
    """What one frame says: the outline's colour, the hint, and the figures behind them."""

    fit: Fit
    hint: Hint
    figures: FrameFigures
    alignment: Alignment | None  # None without a ghost (the first photo of a view)
    motion: float | None  # None on the first frame
    ready: bool  # everything within thresholds: the hold towards the automatic photo runs
    lined_up: bool | None = None  # the picture sits on the ghost (None: no ghost to compare with)
    move: Hint | None = None  # the move that lines it up, whatever else needs fixing first

    def text(self, *, auto_capture: bool) -> str:
        return hint_text(self.hint, lined_up=self.lined_up, auto_capture=auto_capture)


class Guide:
    """Reads the frames of one view against its ghost (or none, for the first photo of a view).

    `camera_faces_patient`: the front camera, whose movements look reversed left-right and in
    rotation. Not thread-safe: one thread feeds it frames in order."""

    def __init__(self, ghost: Image.Image | None = None, *, camera_faces_patient: bool = False) -> None:
        self.ghost = Ghost(ghost) if ghost is not None else None
        self.camera_faces_patient = camera_faces_patient
        self._previous: np.ndarray | None = None

    def forget_motion(self) -> None:
        """The next frame starts afresh (after a pause, a retake, another view)."""
        self._previous = None

    def read(self, frame: Image.Image) -> Reading:
        working, grey = _working_copies(frame)
        figures = measure(working)
        motion = frame_motion(self._previous, grey) if self._previous is not None else None
        self._previous = grey
        alignment = self.ghost.align(grey) if self.ghost is not None else None
        return self._decide(figures, alignment, motion)

    def read_photo(self, photo: Image.Image) -> Reading:
        """A single photo (a chosen file, a shot under review): no motion to judge."""
        working, grey = _working_copies(photo)
        alignment = self.ghost.align(grey) if self.ghost is not None else None
        return self._decide(measure(working), alignment, 0.0)

    def _decide(self, figures: FrameFigures, alignment: Alignment | None, motion: float | None) -> Reading:
        quality = figure_hints(figures)
        steady = motion is not None and motion <= MAX_MOTION
        fit, direction = (Fit.READY, None) if alignment is None else _fit(alignment, self.camera_faces_patient)

        if HintId.TOO_DARK in quality:
            hint = Hint.MORE_LIGHT
        elif HintId.TOO_BRIGHT in quality:
            hint = Hint.LESS_LIGHT
        elif HintId.BLURRY in quality:
            hint = Hint.HOLD_STILL
        elif direction is not None:  # includes FIND_GHOST: another scene
            hint = direction
        elif not steady:
            hint = Hint.HOLD_STILL
        else:
            hint = Hint.READY
        ready = hint is Hint.READY
        lined_up = None if alignment is None else fit is Fit.READY
        if fit is Fit.READY and not ready:
            fit = Fit.NEAR
        return Reading(
            fit=fit, hint=hint, figures=figures, alignment=alignment, motion=motion, ready=ready, lined_up=lined_up,
            move=direction,
        )


def _working_copies(frame: Image.Image) -> tuple[Image.Image, np.ndarray]:
    """The frame-shaped centre as quality.py's grey working copy (made exactly as the backend
    makes it, so the figures compare), and the smaller copy alignment runs on."""
    working = working_copy(frame.crop(crop_box(frame.size)))
    small = working.resize((ANALYSIS_WIDTH, ANALYSIS_HEIGHT), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return working, np.asarray(small, dtype=np.float32)


def _fit(alignment: Alignment, mirrored: bool) -> tuple[Fit, Hint | None]:
    """The outline's colour and, unless lined up, the one move that helps most."""
    if alignment.match < MIN_MATCH:
        return Fit.FAR, Hint.FIND_GHOST
    size_error = abs(math.log(alignment.scale))
    # each error as a multiple of what still counts as lined up: the largest is the one to fix
    errors = {
        "x": abs(alignment.dx) / ALIGNED_SHIFT,
        "y": abs(alignment.dy) / ALIGNED_SHIFT,
        "scale": size_error / math.log(ALIGNED_SCALE),
        "rotation": abs(alignment.rotation) / ALIGNED_DEGREES,
    }
    worst = max(errors, key=errors.__getitem__)
    if errors[worst] <= 1.0:
        return Fit.READY, None
    near = (
        abs(alignment.dx) <= NEAR_SHIFT
        and abs(alignment.dy) <= NEAR_SHIFT
        and size_error <= math.log(NEAR_SCALE)
        and abs(alignment.rotation) <= NEAR_DEGREES
    )
    # the back camera: moving the phone towards where the picture sits brings the picture back
    # under the outline; the front camera sees the patient's left-right and turns mirrored
    if worst == "x":
        hint = Hint.MOVE_RIGHT if (alignment.dx > 0) != mirrored else Hint.MOVE_LEFT
    elif worst == "y":
        hint = Hint.MOVE_DOWN if alignment.dy > 0 else Hint.MOVE_UP
    elif worst == "scale":
        hint = Hint.FARTHER if alignment.scale > 1 else Hint.CLOSER
    else:
        hint = Hint.TURN_CLOCKWISE if (alignment.rotation > 0) != mirrored else Hint.TURN_ANTICLOCKWISE
    return (Fit.NEAR if near else Fit.FAR), hint


def review(report: QualityReport, reading: Reading) -> tuple[bool, list[str]]:
    """After the shot (or a chosen file): good to keep, and what to change otherwise; the quality
    gate's hints, and how to line it up with the ghost, said once."""
    lines = [hint.message for hint in report.hints]
    if reading.lined_up is False:
        lines = [hint.message for hint in report.hints if hint.id is not HintId.NOT_LIKE_PREVIOUS]
        advice = HINT_MESSAGES[reading.move or Hint.FIND_GHOST]
        lines.append(f"It does not line up with your last photo. {advice}")
    return report.acceptable and reading.lined_up is not False, lines


class AutoCapture:
    """Fires once when readings have been ready without a break for HOLD_SECONDS of frame time;
    `rearm()` after a retake. Timestamps are the frames' own, so the hold is what the camera saw."""

    def __init__(self, hold_seconds: float = HOLD_SECONDS) -> None:
        self.hold_seconds = hold_seconds
        self.fired = False
        self._since: float | None = None

    def update(self, reading: Reading, at: float) -> bool:
        """True exactly once: on the frame where the hold completes."""
        if self.fired:
            return False
        if not reading.ready:
            self._since = None
            return False
        if self._since is None:
            self._since = at
        if at - self._since >= self.hold_seconds:
            self.fired = True
            return True
        return False

    def progress(self, at: float) -> float:
        """How much of the hold has passed, 0..1 (for the patient to see it coming)."""
        if self.fired:
            return 1.0
        if self._since is None:
            return 0.0
        return min(1.0, (at - self._since) / self.hold_seconds)

    def rearm(self) -> None:
        self.fired = False
        self._since = None
