"""The coverage index against photos of known coverage: hair of a planted density drawn over
scalp (backend/demo_photos.py counts the planted share on its hair mask), over skin tones, hair
colours, exposures and white balances."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from scipy.stats import spearmanr

from backend.demo_photos import planted_scalp_photo
from shared.coverage import METHOD, CoverageRefusal, coverage_index

SIZE = (900, 1200)
# light and dark skin with black, brown, blond and grey hair, and medium skin with two of them
COMBINATIONS = [
    ("light", "black"), ("light", "brown"), ("light", "blond"), ("light", "grey"),
    ("dark", "black"), ("dark", "brown"), ("dark", "blond"), ("dark", "grey"),
    ("medium", "black"), ("medium", "grey"),
]
LEVELS = [5, 15, 25, 35, 45, 55, 65, 80]


def _read(jpeg: bytes, view: str = "vertex"):
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return coverage_index(image, view)


def test_planted_coverage_is_read_within_three_points_and_in_rank_order():
    planted, measured = [], []
    for index, (skin, hair) in enumerate(COMBINATIONS):
        for level in (LEVELS[index % len(LEVELS)], LEVELS[(index + 4) % len(LEVELS)]):
            photo = planted_scalp_photo(level, skin=skin, hair=hair, size=SIZE, seed=index * 10 + level)
            reading = _read(photo.jpeg)
            assert reading.refusal is None, (skin, hair, level, reading.message)
            assert reading.method == METHOD
            planted.append(photo.visible)
            measured.append(reading.value)
    errors = np.abs(np.array(planted) - np.array(measured))
    assert errors.mean() < 3.0, list(zip(planted, measured))
    assert spearmanr(planted, measured).statistic > 0.95
    assert min(planted) < 6 and max(planted) > 79  # the sweep did span 5% to 80%


@pytest.mark.parametrize(("skin", "hair", "level"), [("light", "black", 30), ("dark", "grey", 50), ("light", "blond", 60)])
def test_exposure_and_white_balance_move_the_figure_by_under_a_point(skin, hair, level):
    def read(**light):
        return _read(planted_scalp_photo(level, skin=skin, hair=hair, size=SIZE, seed=7, **light).jpeg).value

    base = read()
    assert abs(base - level) < 3
    for light in ({"stops": 1.0}, {"stops": -1.0}, {"white_balance": (1.15, 1.0, 0.82)}, {"white_balance": (0.88, 1.0, 1.12)}):
        assert abs(read(**light) - base) < 1.0, light


def test_wet_or_styled_hair_is_refused_for_its_shine():
    reading = _read(planted_scalp_photo(40, skin="light", hair="brown", size=SIZE, shine=True, seed=3).jpeg)
    assert reading.value is None
    assert reading.refusal == CoverageRefusal.SHINE
    assert "product" in reading.message


def test_a_photo_too_dark_is_refused_with_its_reason():
    reading = _read(planted_scalp_photo(40, skin="dark", hair="black", size=SIZE, stops=-3.0, seed=3).jpeg)
    assert reading.value is None
    assert reading.refusal == CoverageRefusal.TOO_DARK
    assert "dark" in reading.message


def test_a_photo_with_no_hair_to_tell_from_scalp_is_refused_not_guessed():
    flat = Image.new("RGB", SIZE, (190, 150, 128))
    noisy = np.clip(np.asarray(flat, dtype=np.float32) + np.random.default_rng(1).normal(0, 3, (SIZE[1], SIZE[0], 3)), 0, 255)
    reading = coverage_index(Image.fromarray(noisy.astype(np.uint8)), "crown")
    assert reading.value is None and reading.refusal == CoverageRefusal.NO_CONTRAST


def test_temples_are_not_measured_and_an_unknown_method_is_an_error():
    photo = planted_scalp_photo(40, size=(450, 600), seed=1).jpeg
    assert _read(photo, "left_temple").refusal == CoverageRefusal.VIEW_NOT_MEASURED
    assert _read(photo, "frontal").value is not None
    image = Image.open(io.BytesIO(photo))
    with pytest.raises(ValueError):
        coverage_index(image, "vertex", method="0")
