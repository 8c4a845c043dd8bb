from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.imaging import CONTENT_TYPES, SNIFF_BYTES, sniff_image_type
from tests.fixtures import images


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (images.photo_jpeg, "jpeg"),
        (images.photo_png, "png"),
        (images.photo_webp, "webp"),
        (images.heic_photo, "heic"),
        (images.jpeg_zip_polyglot, "jpeg"),  # a polyglot still starts as a photo; processing cleans it
    ],
)
def test_photos_are_recognised_from_their_first_bytes(make, kind):
    assert sniff_image_type(make()[:SNIFF_BYTES]) == kind
    assert kind in CONTENT_TYPES


@pytest.mark.parametrize(
    "make",
    [images.html_page, images.shell_script, images.zip_archive, images.empty_file],
)
def test_non_photos_named_like_photos_are_not_recognised(make):
    assert sniff_image_type(make()[:SNIFF_BYTES]) is None


def test_other_image_formats_and_avif_are_not_accepted():
    gif = io.BytesIO()
    Image.new("RGB", (8, 8)).save(gif, "GIF")
    avif_head = b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B"
    assert sniff_image_type(gif.getvalue()) is None
    assert sniff_image_type(avif_head) is None
    assert sniff_image_type(b"\xff\xd8") is None  # two bytes are not a JPEG yet


def test_a_generic_heif_brand_counts_only_with_an_hevc_compatible_brand():
    assert sniff_image_type(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "heic"
    assert sniff_image_type(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif") is None
