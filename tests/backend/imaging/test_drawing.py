"""Drawing a stored photo: a photo taken turned is stored as taken with its orientation tag, and
every place that draws its pixels gets it upright (the PDF report's print copy among them)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.imaging import process_photo
from backend.imaging.drawing import upright
from backend.records.report_pdf import fit_for_print
from tests.fixtures import images


def mark_is_top_left(picture: Image.Image) -> bool:
    corner = picture.convert("RGB").getpixel((4, 4))  # the mark painted top-left as the patient saw it
    return corner[1] > 150 and corner[0] < 60 and corner[2] < 60


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_a_stored_photo_is_drawn_upright_in_full_and_from_a_reduced_decode(orientation):
    stored = process_photo(images.photo_jpeg(600, 800, orientation=orientation)).image_jpeg
    full = upright(stored)
    assert full.size == (600, 800) and mark_is_top_left(full)
    assert "exif" not in full.info or not full.getexif().get(0x0112, 0) > 1  # the turn is applied, not left to apply again
    reduced = upright(stored, draft=("RGB", (150, 200)))
    assert reduced.size[0] < reduced.size[1] and reduced.size[0] >= 150 and mark_is_top_left(reduced)


def test_the_reports_print_copy_of_a_photo_taken_sideways_is_upright():
    stored = process_photo(images.photo_jpeg(1200, 1600, orientation=6)).image_jpeg
    printable = fit_for_print(stored)
    assert printable is not None
    jpeg, (width, height) = printable
    assert width < height
    assert mark_is_top_left(Image.open(io.BytesIO(jpeg)))
