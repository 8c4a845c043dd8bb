"""The before/after picture: the later photo lined up with the earlier by the app's alignment,
both cut to the same area, labelled and watermarked, and nothing else in the file."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from backend.marketing import composition
from tests.backend.marketing.photos import scene, shot


def _grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=float)


def test_the_later_photo_is_lined_up_with_the_earlier():
    picture = scene()
    before, after = shot(picture), shot(picture, dx=40, dy=-30, zoom=1.06)
    aligned, mask, found = composition.align_to(before, after)
    crop = composition.common_crop(mask)
    reference = _grey(composition.framed(before).crop(crop))
    lined_up = np.abs(reference - _grey(aligned.crop(crop))).mean()
    as_taken = np.abs(reference - _grey(composition.framed(after).crop(crop))).mean()
    assert found.match > 0.8 and abs(found.scale - 1.06) < 0.03
    assert lined_up < as_taken / 3, (lined_up, as_taken)
    # the crop keeps the panel's shape and lies wholly where the moved photo has pixels
    left, top, right, bottom = crop
    assert abs((right - left) / (bottom - top) - 3 / 4) < 0.01
    assert min(np.asarray(mask)[top:bottom, left:right].ravel()) == 255


def test_side_by_side_is_a_png_with_no_text_chunks_and_both_panels():
    picture = scene()
    made = composition.compose(shot(picture), shot(picture, dx=20), after_text="After 6 months", watermark="Hair Clinic")
    image = Image.open(io.BytesIO(made.data))
    assert made.content_type == "image/png" and image.format == "PNG"
    assert image.size == (2 * composition.PANEL[0] + 12, composition.PANEL[1] + composition.LABEL_BAR)
    assert not image.info.get("exif") and not [k for k in image.info if k not in ("dpi", "gamma")]
    assert b"tEXt" not in made.data and b"iTXt" not in made.data and b"zTXt" not in made.data
    # the label bars are ink on white; the photos sit under them
    bar = _grey(image.crop((0, 0, image.width, composition.LABEL_BAR)))
    assert bar.min() < 80 and np.median(bar) > 240


def test_a_slider_is_an_animated_gif_sweeping_across():
    picture = scene()
    made = composition.compose(shot(picture), shot(picture, dx=20), after_text="After 3 months", watermark="Hair Clinic", layout="slider")
    image = Image.open(io.BytesIO(made.data))
    assert made.content_type == "image/gif" and image.is_animated and image.n_frames == 2 * composition.GIF_FRAMES - 2
    assert image.info.get("loop") == 0


def test_labels_say_how_long_after():
    assert composition.after_label(6) == "After 6 months"
    assert composition.after_label(1) == "After 1 month"
    assert composition.after_label(0) == "After"
