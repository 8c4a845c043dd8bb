"""Gallery motion photos through the whole upload path on S3 (moto; the embedded store in
tests/backend/storage/test_local_store_motion_photos.py):
accepted and stored without the video or the XMP; a trailer the photo does not describe is
refused and the patient asked to retake it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.imaging.admission import HEAD_BYTES
from backend.photos import keys
from backend.photos.models import Photo
from tests.backend.photos.phone import Phone
from tests.fixtures import images, motion_photos

ACCEPTED = {
    "google container": motion_photos.google_motion_photo,
    "google micro video": motion_photos.legacy_motion_photo,
    "samsung trailer": motion_photos.samsung_motion_photo,
}
REFUSED = {
    "container length wrong": lambda: motion_photos.google_motion_photo(described_length=400),
    "jpeg + zip": images.jpeg_zip_polyglot,
}


async def stored_photo(app, photo_id: str) -> bytes:
    token = (await Photo.get(id=photo_id)).storage_token
    found = await app.state.store.read(keys.rendition_key(token, "full"), max_bytes=50_000_000)
    return found.data


async def upload_and_process(phone: Phone, app, data: bytes) -> dict:
    assert len(data) > HEAD_BYTES  # the whole file is the processing job's to check
    answer = await phone.upload(data)
    assert answer.status_code == 200, answer.text
    await app.state.jobs.wait_idle()
    return (await phone.status(answer.json()["id"])).json()


@pytest.mark.parametrize("case", ACCEPTED)
async def test_a_motion_photo_reaches_the_clinic_without_its_video_on_s3(case, app, phone_a, s3):
    photo = await upload_and_process(phone_a, app, ACCEPTED[case]())
    assert photo["status"] == "ready", photo
    stored = await stored_photo(app, photo["id"])
    assert b"ftyp" not in stored and b"ns.adobe.com/xap" not in stored and b"SEFT" not in stored
    assert Image.open(io.BytesIO(stored)).size == (1600, 1200)
    assert not [key for key in s3.keys() if key.startswith("incoming/")]  # the original with its video is gone


@pytest.mark.parametrize("case", REFUSED)
async def test_a_trailer_the_photo_does_not_describe_is_refused_on_s3(case, app, phone_a, s3):
    photo = await upload_and_process(phone_a, app, REFUSED[case]())
    assert photo["status"] == "rejected"
    assert photo["rejection"]["code"] == "photo_not_an_image"
    assert s3.keys() == []
