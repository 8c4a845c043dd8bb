"""Live guidance over synthetic frame sequences made from a real scalp-like photo: the hint for
each way a frame can be off, and the automatic photo taken once, only after aligned sharp frames
have held for a second."""

from __future__ import annotations

import pytest

from shared.guidance import HOLD_SECONDS, AutoCapture, Fit, Guide, Hint, hint_text
from tests.shared.frames import blurred, dark, moved, scalp, with_noise

FPS = 10


def sequence(*phases: tuple[str, object, int]) -> list[tuple[str, object]]:
    """(name, frame) for each of `count` frames of each phase, with fresh noise per frame."""
    frames = []
    for name, make, count in phases:
        for _ in range(count):
            frames.append((name, with_noise(make(), seed=len(frames))))
    return frames


PHASES = (
    ("shifted", lambda: moved(scalp(), dx=0.15), 4),
    ("scaled", lambda: moved(scalp(), scale=0.82), 4),
    ("rotated", lambda: moved(scalp(), degrees=-10), 4),
    ("blurred", lambda: blurred(scalp()), 4),
    ("dark", lambda: dark(scalp()), 4),
    ("aligned", scalp, 14),
)
EXPECTED = {
    "shifted": Hint.MOVE_RIGHT,
    "scaled": Hint.CLOSER,
    "rotated": Hint.TURN_ANTICLOCKWISE,
    "blurred": Hint.HOLD_STILL,
    "dark": Hint.MORE_LIGHT,
}


def test_each_kind_of_off_frame_gets_its_hint_and_the_photo_is_taken_once_after_the_hold():
    guide, trigger = Guide(scalp()), AutoCapture()
    frames = sequence(*PHASES)
    fired_at: list[int] = []
    readings = []
    for number, (name, frame) in enumerate(frames):
        reading = guide.read(frame)
        readings.append((name, reading))
        if trigger.update(reading, at=number / FPS):
            fired_at.append(number)

    for name, reading in readings:
        if name in EXPECTED:
            assert reading.hint == EXPECTED[name], (name, reading)
            assert not reading.ready and reading.fit != Fit.READY

    first_aligned = next(n for n, (name, _) in enumerate(frames) if name == "aligned")
    aligned = [reading for name, reading in readings if name == "aligned"]
    assert all(r.fit == Fit.READY and r.hint == Hint.READY for r in aligned[1:])  # from the second on: steady
    # exactly one photo, on the first frame a full second after the aligned frames began to count
    assert len(fired_at) == 1
    held_from = first_aligned + (0 if aligned[0].ready else 1)
    assert fired_at[0] == held_from + round(HOLD_SECONDS * FPS)


def test_a_blurred_frame_in_the_hold_starts_it_again():
    guide, trigger = Guide(scalp()), AutoCapture()
    frames = sequence(("aligned", scalp, 8), ("shaken", lambda: blurred(scalp(), 4), 1), ("aligned", scalp, 14))
    fired = [n for n, (_, frame) in enumerate(frames) if trigger.update(guide.read(frame), at=n / FPS)]
    # the hold restarts after the blurred frame (number 8): frame 9 is steady against a blurred one
    assert len(fired) == 1 and fired[0] >= 9 + round(HOLD_SECONDS * FPS)


def test_automatic_capture_waits_for_a_retake_before_firing_again():
    guide, trigger = Guide(scalp()), AutoCapture()
    frames = sequence(("aligned", scalp, 30))
    fired = [n for n, (_, frame) in enumerate(frames) if trigger.update(guide.read(frame), at=n / FPS)]
    assert len(fired) == 1
    trigger.rearm()
    assert trigger.progress(at=3.0) == 0.0
    again = [n for n in range(30, 45) if trigger.update(guide.read(frames[-1][1]), at=n / FPS)]
    assert again == [40]


@pytest.mark.parametrize(
    ("move", "back_camera", "front_camera"),
    [
        ({"dx": -0.1}, Hint.MOVE_LEFT, Hint.MOVE_RIGHT),
        ({"dy": -0.1}, Hint.MOVE_UP, Hint.MOVE_UP),
        ({"dy": 0.1}, Hint.MOVE_DOWN, Hint.MOVE_DOWN),
        ({"scale": 1.3}, Hint.FARTHER, Hint.FARTHER),
        ({"degrees": 9}, Hint.TURN_CLOCKWISE, Hint.TURN_ANTICLOCKWISE),
    ],
)
def test_directions_are_for_the_phone_and_mirrored_for_the_front_camera(move, back_camera, front_camera):
    frame = with_noise(moved(scalp(), **move), seed=2)
    assert Guide(scalp()).read_photo(frame).hint == back_camera
    assert Guide(scalp(), camera_faces_patient=True).read_photo(frame).hint == front_camera


def test_the_outline_colour_follows_how_far_off_the_picture_is():
    guide = Guide(scalp())
    assert guide.read_photo(moved(scalp(), dx=0.25)).fit == Fit.FAR
    assert guide.read_photo(moved(scalp(), dx=0.08)).fit == Fit.NEAR
    assert guide.read_photo(moved(scalp(), dx=0.02)).fit == Fit.READY
    lined_up_but_dark = guide.read_photo(dark(scalp()))
    assert lined_up_but_dark.fit == Fit.NEAR and lined_up_but_dark.hint == Hint.MORE_LIGHT


def test_another_scene_asks_to_find_the_faded_photo():
    from io import BytesIO

    from PIL import Image

    from backend.demo_photos import scalp_photo

    other = Image.open(BytesIO(scalp_photo("crown", 1, scalp().size))).convert("RGB")
    reading = Guide(scalp()).read_photo(other)
    assert reading.hint == Hint.FIND_GHOST and reading.fit == Fit.FAR


def test_without_a_ghost_a_sharp_steady_frame_is_ready_and_motion_is_hold_still():
    guide = Guide(None)
    first = guide.read(with_noise(scalp(), 1))
    assert first.hint == Hint.HOLD_STILL and not first.ready  # no earlier frame: steadiness unknown
    moving = guide.read(with_noise(moved(scalp(), dx=0.1), 2))
    assert moving.hint == Hint.HOLD_STILL and moving.motion > 0.05
    steady = guide.read(with_noise(moved(scalp(), dx=0.1), 3))
    assert steady.ready and steady.fit == Fit.READY and steady.alignment is None


def test_the_words_say_whether_the_app_takes_the_photo():
    assert hint_text(Hint.READY, lined_up=True, auto_capture=True).endswith("Hold still: taking the photo.")
    assert hint_text(Hint.READY, lined_up=True, auto_capture=False).endswith("Take the photo now.")
    assert "Lined up" not in hint_text(Hint.READY, lined_up=None, auto_capture=True)  # nothing to line up with yet
    assert hint_text(Hint.MOVE_LEFT, lined_up=False, auto_capture=True) == "Move the phone left."


def test_a_blurred_frame_is_called_lined_up_only_when_it_is():
    guide = Guide(scalp())
    assert guide.read_photo(blurred(scalp())).text(auto_capture=True) == "Lined up. Hold still."
    off_and_blurred = guide.read_photo(blurred(moved(scalp(), dx=0.08), 3))
    assert off_and_blurred.hint == Hint.HOLD_STILL and off_and_blurred.lined_up is False
    assert off_and_blurred.text(auto_capture=True) == "Hold still."
