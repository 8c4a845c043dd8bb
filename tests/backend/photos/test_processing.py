"""What processing leaves in the store: an upright JPEG with no metadata at all, thumbnails and
metrics; or a rejection the patient understands."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageOps

from backend.photos.models import Photo
from tests.fixtures import images


async def _ready_photo(phone, jobs, data: bytes, **options) -> dict:
    answer = await phone.upload(data, **options)
    assert answer.status_code == 200, answer.text
    await jobs.wait_idle()
    photo = (await phone.status(answer.json()["id"])).json()
    assert photo["status"] == "ready", photo
    return photo


async def test_a_photo_with_gps_tags_is_stored_without_any_exif(phone_a, jobs, s3):
    upload = images.photo_jpeg(1200, 900, gps=True)
    assert Image.open(io.BytesIO(upload)).getexif().get_ifd(0x8825)  # the upload carries GPS
    photo = await _ready_photo(phone_a, jobs, upload)
    for name in ("full", "preview", "thumb"):
        token = (await Photo.get(id=photo["id"])).storage_token
        stored = s3.get(f"photos/{token}/{name}.jpg")
        image = Image.open(io.BytesIO(stored))
        assert not image.getexif()
        assert "exif" not in image.info and "xmp" not in image.info and "comment" not in image.info
        assert b"Exif" not in stored and b"GPS" not in stored and b"http://ns.adobe.com/xap" not in stored
        assert images.PATIENT_CAPTION.encode() not in stored and images.CAMERA_MODEL.encode() not in stored


async def test_a_photo_taken_sideways_is_stored_as_taken_with_its_turn_for_the_browser(phone_a, jobs, s3):
    photo = await _ready_photo(phone_a, jobs, images.photo_jpeg(600, 800, orientation=6))
    assert (photo["width"], photo["height"]) == (600, 800)
    full = Image.open(io.BytesIO((await phone_a.store_http.get(photo["full_url"])).content))
    assert dict(full.getexif()) == {ExifTags.Base.Orientation: 6}  # the one tag left: browsers turn it
    assert ImageOps.exif_transpose(full).size == (600, 800)


async def test_png_and_webp_photos_are_stored_as_jpeg(phone_a, jobs):
    for data, content_type in ((images.photo_png(640, 480), "image/png"), (images.photo_webp(640, 480), "image/webp")):
        photo = await _ready_photo(phone_a, jobs, data, content_type=content_type)
        full = Image.open(io.BytesIO((await phone_a.store_http.get(photo["full_url"])).content))
        assert full.format == "JPEG"


async def test_quality_metrics_are_measured_again_and_compared_with_the_last_photo(phone_a, jobs):
    first = await _ready_photo(phone_a, jobs, images.photo_jpeg(1600, 1200, seed=1))
    assert first["metrics"]["similarity"] is None
    assert first["metrics"]["sharpness"] > 0 and 0 <= first["metrics"]["brightness"] <= 255
    second = await _ready_photo(phone_a, jobs, images.photo_jpeg(1600, 1200, seed=1))
    assert second["metrics"]["similarity"] > 0.9  # the same scene as last time


def _png_cut_inside_the_picture() -> bytes:
    """A PNG whose chunks are all whole (it passes the checks at complete) but whose compressed
    picture stops half way: only decoding finds out."""
    png = images.photo_png(640, 480)
    pos, head, picture = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack_from(">I", png, pos)
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            picture += png[pos + 8 : pos + 8 + length]
        elif kind != b"IEND":
            head += png[pos : pos + 12 + length]
        pos += 12 + length

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return png[:8] + head + chunk(b"IDAT", picture[: len(picture) // 2]) + chunk(b"IEND", b"")


async def test_a_photo_only_decoding_finds_damaged_is_rejected_with_a_reason(phone_a, jobs, s3):
    answer = await phone_a.upload(_png_cut_inside_the_picture(), content_type="image/png")
    assert answer.status_code == 200  # whole on the outside
    await jobs.wait_idle()
    photo = (await phone_a.status(answer.json()["id"])).json()
    assert photo["status"] == "rejected"
    assert photo["rejection"]["code"] == "photo_corrupt"
    assert "take it again" in photo["rejection"]["message"]
    assert photo["full_url"] is None
    assert s3.keys() == []  # neither the upload nor any rendition is kept
