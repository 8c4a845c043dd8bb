from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from backend.imaging import process_photo
from backend.imaging.jpeg_rewrite import NotRewritable, TruncatedJpeg, rewrite_without_metadata
from tests.backend.imaging.jpeg_structure import APP2_ICC, header_markers
from tests.fixtures import images


def pixels(jpeg: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(jpeg))
    picture.load()
    return picture.convert("RGB")


def test_an_rgb_coded_jpeg_keeps_its_colours():
    upload = io.BytesIO()
    images.scalp_scene(640, 480).save(upload, "JPEG", keep_rgb=True)  # Adobe marker: stored as RGB
    result = process_photo(upload.getvalue())
    assert not result.reencoded
    assert ImageChops.difference(pixels(upload.getvalue()), pixels(result.image_jpeg)).getbbox() is None
    thumb_colour = ImageStat.Stat(pixels(result.thumbnails["thumb"])).mean
    photo_colour = ImageStat.Stat(pixels(upload.getvalue())).mean
    assert all(abs(a - b) < 3 for a, b in zip(thumb_colour, photo_colour, strict=True))


def test_a_second_picture_stored_after_the_first_is_dropped():
    first, second = images.photo_jpeg(640, 480, seed=1), images.photo_jpeg(640, 480, seed=2)
    cleaned = rewrite_without_metadata(first + second)
    assert cleaned.count(b"\xff\xd8") == 1
    assert len(cleaned) < len(first)


def test_an_icc_profile_is_embedded_only_when_given():
    upload = images.photo_jpeg(640, 480)
    assert APP2_ICC not in header_markers(rewrite_without_metadata(upload))
    with_profile = rewrite_without_metadata(upload, icc_profile=b"p" * 70_000)  # needs two segments
    assert header_markers(with_profile).count(APP2_ICC) == 2
    assert Image.open(io.BytesIO(with_profile)).info["icc_profile"] == b"p" * 70_000


def test_a_cut_off_photo_is_reported_as_truncated():
    with pytest.raises(TruncatedJpeg):
        rewrite_without_metadata(images.truncated_jpeg())


def test_structures_it_does_not_know_are_left_to_the_re_encoder():
    upload = images.photo_jpeg(640, 480)
    with pytest.raises(NotRewritable):
        rewrite_without_metadata(upload[:2] + b"\x00\x00garbage" + upload[2:])


def test_the_orientation_segment_holds_the_one_tag_and_decoders_read_it():
    from PIL import ExifTags, Image

    from backend.imaging.jpeg_rewrite import orientation_segment, rewrite_without_metadata

    upload = images.photo_jpeg(320, 240, orientation=6)
    kept = rewrite_without_metadata(upload, orientation=6)
    assert orientation_segment(6) in kept
    assert dict(Image.open(io.BytesIO(kept)).getexif()) == {ExifTags.Base.Orientation: 6}
    assert images.CAMERA_MODEL.encode() not in kept
    assert orientation_segment(6) not in rewrite_without_metadata(upload)  # upright unless asked
    with pytest.raises(ValueError):
        orientation_segment(9)
