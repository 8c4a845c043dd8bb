from __future__ import annotations

import io
import zipfile

import pytest
from PIL import ExifTags, Image, ImageChops, ImageCms

from backend.imaging import ProcessedPhoto, process_photo
from backend.imaging.drawing import upright
from backend.imaging.jpeg_segments import jpeg_end
from shared.errors import ErrorCode, FollicleError, InvalidInput, PayloadTooLarge, UnsupportedMedia
from shared.quality import HintId
from tests.backend.imaging.jpeg_structure import APP1_EXIF_XMP, APP13_IPTC, COMMENT, header_markers
from tests.fixtures import images

# What must never leave the server inside a stored photo or thumbnail.
PRIVATE_TEXT = [
    images.PATIENT_CAPTION.encode(),
    images.CAMERA_MODEL.encode(),
    b"Exif\x00\x00",
    b"http://ns.adobe.com/xap",
    b"Photoshop 3.0",
    b"<script",
]


def decoded(jpeg: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(jpeg))
    assert picture.format == "JPEG"
    picture.load()
    return picture


def assert_no_metadata(jpeg: bytes, *, orientation: int = 1) -> None:
    """Nothing of the phone's metadata; at most the one orientation tag of a photo taken turned."""
    picture = decoded(jpeg)
    assert dict(picture.getexif()) == ({} if orientation == 1 else {ExifTags.Base.Orientation: orientation})
    assert not picture.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"xmp", "comment", "photoshop"} & set(picture.info)
    assert ("exif" in picture.info) == (orientation != 1)
    markers = header_markers(jpeg)
    assert not {APP13_IPTC, COMMENT} & set(markers)
    assert markers.count(APP1_EXIF_XMP) == (orientation != 1)  # one EXIF segment, no XMP
    assert jpeg.endswith(b"\xff\xd9")
    for text in PRIVATE_TEXT:
        if orientation != 1 and text == b"Exif\x00\x00":
            continue  # the orientation's own segment, its only entry checked above
        assert text not in jpeg


def every_output(result: ProcessedPhoto) -> list[bytes]:
    return [result.image_jpeg, *result.thumbnails.values()]


def refusal(data: bytes, **options) -> FollicleError:
    with pytest.raises(FollicleError) as refused:
        process_photo(data, **options)
    assert "Please" in refused.value.message  # a patient is told what to do
    return refused.value


# --- metadata and location ------------------------------------------------------------


@pytest.mark.parametrize("orientation", [1, 6])
def test_gps_and_every_other_metadata_are_gone(orientation):
    upload = images.photo_jpeg(800, 600, orientation=orientation)
    assert images.CAMERA_MODEL.encode() in upload and b"Photoshop 3.0" in upload
    result = process_photo(upload)
    assert_no_metadata(result.image_jpeg, orientation=orientation)
    for thumbnail in result.thumbnails.values():  # made upright: no tag
        assert_no_metadata(thumbnail)


def test_an_upright_jpeg_keeps_its_exact_picture():
    upload = images.photo_jpeg(1000, 750)
    result = process_photo(upload)
    assert not result.reencoded
    assert ImageChops.difference(decoded(upload), decoded(result.image_jpeg)).getbbox() is None


@pytest.mark.parametrize("progressive", [False, True])
def test_progressive_and_restart_marked_jpegs_keep_their_exact_picture(progressive):
    upload = images.photo_jpeg(800, 600, progressive=progressive, restart_marker_rows=2)
    result = process_photo(upload)
    assert not result.reencoded
    assert_no_metadata(result.image_jpeg)
    assert ImageChops.difference(decoded(upload), decoded(result.image_jpeg)).getbbox() is None


# --- orientation -----------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_photos_come_out_the_right_way_up(orientation):
    upload = images.photo_jpeg(600, 800, orientation=orientation)  # a portrait photo
    result = process_photo(upload)
    # drawn as a browser, a viewer or backend.imaging.drawing draws it: its orientation tag applied
    picture = upright(result.image_jpeg)
    assert (result.width, result.height) == picture.size == (600, 800)
    corner = picture.convert("RGB").getpixel((10, 10))  # the mark painted top-left as seen
    assert corner[1] > 150 and corner[0] < 60 and corner[2] < 60
    # never re-encoded: the phone's picture data is kept, turned only where it is drawn
    assert not result.reencoded
    assert ImageChops.difference(decoded(upload), decoded(result.image_jpeg)).getbbox() is None


def test_thumbnails_of_a_rotated_photo_are_upright_too():
    result = process_photo(images.photo_jpeg(600, 800, orientation=6))
    thumb = decoded(result.thumbnails["thumb"]).convert("RGB")
    assert thumb.size == (240, 320)
    assert thumb.getpixel((3, 3))[1] > 150


# --- thumbnails ------------------------------------------------------------------------


def test_thumbnails_have_the_right_size_and_decode():
    result = process_photo(images.photo_jpeg(1600, 1200))
    assert set(result.thumbnails) == {"thumb", "preview"}
    assert decoded(result.thumbnails["thumb"]).size == (320, 240)
    assert decoded(result.thumbnails["preview"]).size == (1280, 960)
    assert len(result.thumbnails["thumb"]) < len(result.thumbnails["preview"]) < len(result.image_jpeg)


def test_thumbnails_are_never_enlarged_and_sizes_are_configurable():
    result = process_photo(images.photo_jpeg(640, 480), thumbnail_sizes=(("grid", 200), ("preview", 1280)))
    assert decoded(result.thumbnails["grid"]).size == (200, 150)
    assert decoded(result.thumbnails["preview"]).size == (640, 480)


# --- other formats ---------------------------------------------------------------------


def test_an_iphone_heic_photo_is_accepted_and_stored_as_jpeg():
    upload = images.heic_photo(640, 480)
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the phone's location
    result = process_photo(upload)
    assert result.source_type == "heic" and result.content_type == "image/jpeg"
    assert decoded(result.image_jpeg).size == (640, 480)
    for output in every_output(result):
        assert_no_metadata(output)


@pytest.mark.parametrize("make", [images.photo_png, images.photo_webp], ids=["png", "webp"])
def test_png_and_webp_photos_are_stored_as_jpeg(make):
    result = process_photo(make(640, 480))
    assert decoded(result.image_jpeg).size == (640, 480)
    assert result.reencoded


def test_a_grey_and_a_cmyk_jpeg_are_accepted():
    grey, cmyk = io.BytesIO(), io.BytesIO()
    images.scalp_scene(640, 480).convert("L").save(grey, "JPEG")
    images.scalp_scene(640, 480).convert("CMYK").save(cmyk, "JPEG")
    assert decoded(process_photo(grey.getvalue()).image_jpeg).mode == "L"
    assert decoded(process_photo(cmyk.getvalue()).image_jpeg).mode == "RGB"


# --- colour profile --------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_valid_colour_profile_is_kept_and_a_bogus_one_dropped(orientation):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    kept = process_photo(images.photo_jpeg(640, 480, orientation=orientation, icc_profile=srgb))
    assert decoded(kept.image_jpeg).info.get("icc_profile") == srgb
    assert decoded(kept.thumbnails["thumb"]).info.get("icc_profile") == srgb
    bogus = process_photo(images.photo_jpeg(640, 480, orientation=orientation, icc_profile=b"<script>x</script>" * 8))
    assert "icc_profile" not in decoded(bogus.image_jpeg).info


# --- polyglots -------------------------------------------------------------------------


def test_a_zip_hidden_after_the_photo_is_refused_as_not_a_photo():
    upload = images.jpeg_zip_polyglot()
    assert zipfile.is_zipfile(io.BytesIO(upload))
    with pytest.raises(FollicleError) as refused:
        process_photo(upload)
    assert refused.value.code == ErrorCode.PHOTO_NOT_AN_IMAGE


def test_html_after_the_photo_is_refused_and_html_in_a_comment_is_dropped():
    upload = images.jpeg_html_polyglot()
    assert upload.count(b"<script") == 2
    with pytest.raises(FollicleError) as refused:
        process_photo(upload)
    assert refused.value.code == ErrorCode.PHOTO_NOT_AN_IMAGE
    only_the_comment = upload[: jpeg_end(upload)]
    assert only_the_comment.count(b"<script") == 1
    cleaned = process_photo(only_the_comment).image_jpeg
    assert b"<script" not in cleaned
    assert_no_metadata(cleaned)


# --- refusals --------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_without_allocating_its_pixels():
    before = Image.core.get_stats()["new_count"]
    refused = refusal(images.png_decompression_bomb(9000, 9000))  # 81 MP in a 10 kB file
    assert isinstance(refused, PayloadTooLarge)
    assert refused.code == ErrorCode.PHOTO_TOO_MANY_PIXELS
    assert (refused.details["width"], refused.details["height"]) == (9000, 9000)
    huge = refusal(images.png_decompression_bomb())  # 900 MP: past Pillow's own hard limit too
    assert huge.code == ErrorCode.PHOTO_TOO_MANY_PIXELS
    assert Image.core.get_stats()["new_count"] == before  # no image memory was ever created


def test_the_pixel_limit_is_the_callers():
    refused = refusal(images.photo_jpeg(1200, 900), max_pixels=1_000_000)
    assert refused.code == ErrorCode.PHOTO_TOO_MANY_PIXELS


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_truncated_photo_is_refused_as_corrupt(orientation):
    refused = refusal(images.truncated_jpeg(orientation=orientation))
    assert isinstance(refused, InvalidInput)
    assert refused.code == ErrorCode.PHOTO_CORRUPT
    assert refused.message == "This photo could not be read. Please take it again."


def test_a_photo_with_garbage_headers_is_refused_as_corrupt():
    assert refusal(images.corrupt_jpeg()).code == ErrorCode.PHOTO_CORRUPT


def test_a_tiny_photo_is_refused():
    refused = refusal(images.tiny_jpeg())
    assert refused.code == ErrorCode.PHOTO_TOO_SMALL


@pytest.mark.parametrize("make", [images.html_page, images.shell_script, images.zip_archive])
def test_files_that_are_not_photos_are_refused(make):
    refused = refusal(make())
    assert isinstance(refused, UnsupportedMedia)
    assert refused.code == ErrorCode.PHOTO_NOT_AN_IMAGE


def test_an_empty_upload_is_refused():
    assert refusal(images.empty_file()).code == ErrorCode.PHOTO_EMPTY


# --- quality metrics -------------------------------------------------------------------


def test_metrics_describe_the_full_photo_and_compare_with_the_previous_one():
    first = process_photo(images.photo_jpeg(1600, 1200, seed=1))
    assert (first.metrics.width, first.metrics.height) == (1600, 1200)
    assert first.metrics.acceptable and first.metrics.similarity is None

    next_month = process_photo(images.photo_jpeg(1600, 1200, seed=2), previous_thumbnail=first.thumbnails["thumb"])
    assert next_month.metrics.similarity is not None and next_month.metrics.similarity > 0.8

    upside_down = images.scalp_scene(1600, 1200).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    wrong_view = process_photo(images.photo_jpeg(scene=upside_down), previous_thumbnail=first.thumbnails["thumb"])
    assert HintId.NOT_LIKE_PREVIOUS in {hint.id for hint in wrong_view.metrics.hints}
