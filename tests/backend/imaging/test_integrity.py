"""Picture data cut short or shorter than its header promises is refused whatever follows it;
complete's head check needs only the first 64 kB; the whole-file check refuses what is glued on."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.imaging import process_photo
from backend.imaging.admission import HEAD_BYTES, admit_head, check_whole_file
from backend.imaging.png_scan import check_png_scan
from shared.errors import ErrorCode, FollicleError
from tests.fixtures import images


def refusal(action, *args, **kwargs) -> FollicleError:
    with pytest.raises(FollicleError) as refused:
        action(*args, **kwargs)
    return refused.value


def pillow_decodes(data: bytes) -> bool:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return True


@pytest.mark.parametrize(
    "make",
    [images.truncated_jpeg_with_end_marker, images.short_scan_jpeg, images.short_scan_png],
    ids=["jpeg cut short with an end marker", "jpeg short scan", "png short scan"],
)
def test_pictures_pillow_would_paint_grey_are_refused(make):
    data = make()
    assert pillow_decodes(data)  # the premise: no error from Pillow, the missing part comes out grey
    refused = refusal(process_photo, data)
    assert refused.code == ErrorCode.PHOTO_CORRUPT
    assert refused.message  # words for the patient


def test_a_truncated_png_with_an_end_chunk_is_refused():
    refused = refusal(process_photo, images.truncated_png())
    assert refused.code == ErrorCode.PHOTO_CORRUPT


def test_a_rotated_jpeg_cut_short_is_refused_too():
    whole = images.photo_jpeg(1200, 1600, orientation=6)
    refused = refusal(process_photo, whole[: int(len(whole) * 0.7)] + b"\xff\xd9")
    assert refused.code == ErrorCode.PHOTO_CORRUPT


def test_whole_pictures_pass_the_scan_checks():
    check_png_scan(images.photo_png(640, 480))
    assert process_photo(images.photo_jpeg(1600, 1200)).width == 1600


def test_the_head_check_reads_a_jpegs_size_from_its_first_64_kb():
    data = images.photo_jpeg(4000, 3000)
    assert len(data) > HEAD_BYTES
    assert admit_head(data[:HEAD_BYTES], size=len(data), declared_type="image/jpeg", max_pixels=50_000_000) == "jpeg"
    refused = refusal(admit_head, data[:HEAD_BYTES], size=len(data), declared_type="image/jpeg", max_pixels=10_000_000)
    assert refused.code == ErrorCode.PHOTO_TOO_MANY_PIXELS


def test_the_head_check_refuses_a_png_bomb_from_its_header():
    bomb = images.png_decompression_bomb()
    refused = refusal(admit_head, bomb[:HEAD_BYTES], size=len(bomb), declared_type="image/png", max_pixels=50_000_000)
    assert refused.code == ErrorCode.PHOTO_TOO_MANY_PIXELS


def test_the_head_check_leaves_headers_past_64_kb_to_the_job():
    data = images.photo_jpeg(1600, 1200)
    padded = data[:2] + b"\xff\xfe" + (65_533).to_bytes(2, "big") + b"c" * 65_531 + data[2:]  # a long comment first
    assert admit_head(padded[:HEAD_BYTES], size=len(padded), declared_type="image/jpeg", max_pixels=1000) == "jpeg"
    refused = refusal(process_photo, padded, max_pixels=1000)
    assert refused.code == ErrorCode.PHOTO_TOO_MANY_PIXELS


def test_the_head_check_refuses_the_wrong_declared_type_and_non_photos():
    jpeg = images.photo_jpeg(800, 600)
    assert refusal(admit_head, jpeg[:HEAD_BYTES], size=len(jpeg), declared_type="image/png", max_pixels=10**8).code == (
        ErrorCode.UNSUPPORTED_MEDIA_TYPE
    )
    page = images.html_page()
    assert refusal(admit_head, page, size=len(page), declared_type="image/jpeg", max_pixels=10**8).code == (
        ErrorCode.PHOTO_NOT_AN_IMAGE
    )


def test_the_whole_file_check_refuses_what_is_glued_on_and_keeps_gain_maps():
    with pytest.raises(FollicleError) as refused:
        check_whole_file("jpeg", images.jpeg_zip_polyglot())
    assert refused.value.code == ErrorCode.PHOTO_NOT_AN_IMAGE
    check_whole_file("jpeg", images.photo_jpeg(640, 480) + images.photo_jpeg(320, 240, seed=3))
    with pytest.raises(FollicleError) as cut:
        check_whole_file("png", images.photo_png(640, 480)[:-20])
    assert cut.value.code == ErrorCode.PHOTO_CORRUPT
