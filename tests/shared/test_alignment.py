"""Shift, scale and rotation of a frame against the ghost, on a real scalp-like photo."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.demo_photos import scalp_photo
from shared.alignment import Ghost, crop_box
from tests.shared.frames import dark, moved, scalp, with_noise


@pytest.fixture(scope="module")
def ghost() -> Ghost:
    return Ghost(scalp())


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        ({"dx": 0.1}, (0.1, 0.0, 1.0, 0.0)),
        ({"dx": -0.2}, (-0.2, 0.0, 1.0, 0.0)),
        ({"dy": 0.15}, (0.0, 0.15, 1.0, 0.0)),
        ({"dy": -0.06}, (0.0, -0.06, 1.0, 0.0)),
        ({"scale": 1.25}, (0.0, 0.0, 1.25, 0.0)),
        ({"scale": 0.8}, (0.0, 0.0, 0.8, 0.0)),
        ({"degrees": 8}, (0.0, 0.0, 1.0, 8.0)),
        ({"degrees": -15}, (0.0, 0.0, 1.0, -15.0)),
        ({"dx": 0.05, "dy": -0.04, "scale": 1.1, "degrees": 5}, (0.05, -0.04, 1.1, 5.0)),
    ],
)
def test_the_estimate_finds_how_the_picture_moved(ghost, move, expected):
    found = ghost.align(with_noise(moved(scalp(), **move), seed=1))
    dx, dy, scale, degrees = expected
    assert found.dx == pytest.approx(dx, abs=0.01)
    assert found.dy == pytest.approx(dy, abs=0.01)
    assert found.scale == pytest.approx(scale, rel=0.02)
    assert found.rotation == pytest.approx(degrees, abs=0.7)
    assert found.match > 0.8


def test_light_does_not_move_the_picture(ghost):
    found = ghost.align(dark(scalp(), 0.3))
    assert (abs(found.dx), abs(found.dy), abs(found.rotation)) < (0.005, 0.005, 0.5)
    assert found.match > 0.9


def test_another_scene_does_not_match(ghost):
    other = Image.open(io.BytesIO(scalp_photo("vertex", 0, scalp().size))).convert("RGB")
    assert ghost.align(other).match < 0.3
    assert ghost.align(Image.new("RGB", scalp().size, (120, 100, 90))).match == 0.0  # a covered lens


def test_a_landscape_camera_frame_is_read_as_the_upright_frame_it_shows():
    wide = Image.new("RGB", (1920, 1080), (0, 0, 0))
    box = crop_box(wide.size)
    assert box == (555, 0, 1365, 1080)  # the 3:4 centre that the viewfinder shows
    wide.paste(scalp(), box[:2])
    found = Ghost(scalp()).align(wide)
    assert (abs(found.dx), abs(found.dy)) < (0.005, 0.005) and found.match > 0.95
