"""What may follow a JPEG's picture: a motion photo's MP4 exactly where its XMP (or Samsung's
trailer) says, gain-map images, padding; nothing else. The cleaned photo keeps none of it."""

from __future__ import annotations

import pytest

from backend.imaging import process_photo
from shared.errors import ErrorCode, FollicleError
from tests.fixtures import images, motion_photos

ACCEPTED = {
    "google container": motion_photos.google_motion_photo,
    "google container, held sideways": lambda: motion_photos.google_motion_photo(orientation=6),
    "google micro video": motion_photos.legacy_motion_photo,
    "samsung trailer": motion_photos.samsung_motion_photo,
}
REFUSED = {
    "container length wrong": lambda: motion_photos.google_motion_photo(described_length=400),
    "micro video offset wrong": lambda: motion_photos.legacy_motion_photo(offset_error=7),
    "a video the xmp does not describe": lambda: images.photo_jpeg(1600, 1200) + motion_photos.small_mp4(),
    "html where the video should be": lambda: motion_photos.with_xmp(
        images.photo_jpeg(1600, 1200), motion_photos.container_xmp(len(images.html_page()))
    ) + images.html_page(),
    "jpeg + zip": images.jpeg_zip_polyglot,
    "samsung block of an unknown kind": lambda: motion_photos.samsung_motion_photo(block_name=b"Payload_Data"),
    "samsung block holding html": lambda: motion_photos.samsung_motion_photo(payload=images.html_page()),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_a_motion_photo_is_accepted_and_stored_without_its_video_or_xmp(case):
    upload = ACCEPTED[case]()
    assert b"ftyp" in upload and (b"ns.adobe.com/xap" in upload or upload.endswith(b"SEFT"))
    result = process_photo(upload)
    stored = result.image_jpeg
    assert b"ftyp" not in stored and b"mdat" not in stored
    assert b"ns.adobe.com/xap" not in stored and b"MotionPhoto" not in stored and b"SEFT" not in stored
    assert (result.width, result.height) == (1600, 1200)


@pytest.mark.parametrize("case", REFUSED)
def test_anything_else_after_the_picture_is_refused(case):
    with pytest.raises(FollicleError) as refused:
        process_photo(REFUSED[case]())
    assert refused.value.code == ErrorCode.PHOTO_NOT_AN_IMAGE


def test_gain_map_images_after_the_picture_still_pass():
    upload = images.photo_jpeg(1600, 1200) + images.photo_jpeg(800, 600, seed=4)
    assert process_photo(upload).image_jpeg.count(b"\xff\xd8") == 1
