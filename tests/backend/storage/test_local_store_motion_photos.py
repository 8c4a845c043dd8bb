"""Gallery motion photos through the embedded store (`make run`): stored without the video or the
XMP; a video where the photo's XMP does not put it is refused."""

from __future__ import annotations

import pytest

from backend.photos import keys
from backend.photos.models import Photo
from tests.backend.photos.phone import Phone
from tests.backend.world import build_world
from tests.fixtures import motion_photos


@pytest.fixture
async def world(client):
    return await build_world()


@pytest.fixture
def phone(client, world) -> Phone:
    return Phone(client, client, world.headers("patient_a"))


async def processed(app, phone: Phone, data: bytes) -> dict:
    answer = await phone.upload(data)
    assert answer.status_code == 200, answer.text
    await app.state.jobs.wait_idle()
    return (await phone.status(answer.json()["id"])).json()


async def test_a_motion_photo_is_stored_without_its_video(app, phone):
    photo = await processed(app, phone, motion_photos.google_motion_photo())
    assert photo["status"] == "ready"
    token = (await Photo.get(id=photo["id"])).storage_token
    stored = (await app.state.store.read(keys.rendition_key(token, "full"), max_bytes=50_000_000)).data
    assert b"ftyp" not in stored and b"ns.adobe.com/xap" not in stored
    assert await app.state.store.head(keys.upload_key(token)) is None  # the original with its video is gone


async def test_a_video_with_a_wrong_offset_is_refused(app, phone):
    photo = await processed(app, phone, motion_photos.legacy_motion_photo(offset_error=7))
    assert photo["status"] == "rejected" and photo["rejection"]["code"] == "photo_not_an_image"
