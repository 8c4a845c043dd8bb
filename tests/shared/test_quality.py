from __future__ import annotations

import functools

import msgspec
from PIL import Image, ImageChops, ImageEnhance, ImageFilter, ImageOps

from shared.quality import HintId, QualityReport, assess_photo, sharpness, similarity
from tests.fixtures.images import scalp_scene


@functools.cache
def good_photo() -> Image.Image:
    """A sharp, well-lit scalp-like photo at 1600 x 1200."""
    return scalp_scene(1600, 1200)


def hint_ids(report: QualityReport) -> set[HintId]:
    return {hint.id for hint in report.hints}


def test_a_sharp_well_lit_photo_passes_without_hints():
    report = assess_photo(good_photo())
    assert report.acceptable
    assert report.hints == []
    assert (report.width, report.height) == (1600, 1200)
    assert 60 < report.brightness < 200


def test_a_blurred_photo_is_flagged_blurry():
    report = assess_photo(good_photo().filter(ImageFilter.GaussianBlur(4)))
    assert hint_ids(report) == {HintId.BLURRY}
    assert not report.acceptable
    assert report.sharpness < assess_photo(good_photo()).sharpness / 10


def test_a_darkened_photo_is_flagged_too_dark():
    report = assess_photo(ImageEnhance.Brightness(good_photo()).enhance(0.3))
    assert HintId.TOO_DARK in hint_ids(report)
    assert HintId.TOO_BRIGHT not in hint_ids(report)
    assert not report.acceptable


def test_a_washed_out_photo_is_flagged_too_bright():
    report = assess_photo(ImageEnhance.Brightness(good_photo()).enhance(1.8))
    assert HintId.TOO_BRIGHT in hint_ids(report)
    assert report.bright_fraction > 0.25


def test_a_small_photo_is_flagged_too_small():
    report = assess_photo(good_photo().resize((800, 600), Image.Resampling.LANCZOS))
    assert hint_ids(report) == {HintId.TOO_SMALL}


def test_the_real_size_counts_when_measuring_a_reduced_copy():
    preview = good_photo().resize((800, 600), Image.Resampling.LANCZOS)
    report = assess_photo(preview, full_size=(4000, 3000))
    assert (report.width, report.height) == (4000, 3000)
    assert report.acceptable


def test_a_completely_different_photo_is_flagged_against_the_previous_one():
    upside_down = ImageOps.flip(good_photo())  # hair at the bottom: not this view's framing
    report = assess_photo(upside_down, previous=good_photo())
    assert HintId.NOT_LIKE_PREVIOUS in hint_ids(report)
    assert report.similarity is not None and report.similarity < 0.5


def test_next_months_photo_of_the_same_view_is_like_the_previous_one():
    reshot = ImageEnhance.Brightness(ImageChops.offset(scalp_scene(1600, 1200, seed=3), 50, 30)).enhance(1.2)
    report = assess_photo(reshot, previous=good_photo().resize((320, 240)))
    assert HintId.NOT_LIKE_PREVIOUS not in hint_ids(report)
    assert report.similarity is not None and report.similarity > 0.8


def test_without_a_previous_photo_similarity_is_not_judged():
    assert assess_photo(good_photo()).similarity is None
    assert similarity(good_photo(), good_photo()) == 1.0


def test_sharpness_is_comparable_across_resolutions():
    large = scalp_scene(3200, 2400)
    small = large.resize((1600, 1200), Image.Resampling.LANCZOS)
    ratio = sharpness(large) / sharpness(small)
    assert 0.75 < ratio < 1.33


def test_the_report_travels_as_json_with_stable_hint_ids():
    report = assess_photo(ImageEnhance.Brightness(good_photo()).enhance(0.3))
    encoded = msgspec.json.encode(report)
    assert b'"id":"too_dark"' in encoded
    assert msgspec.json.decode(encoded, type=QualityReport) == report
