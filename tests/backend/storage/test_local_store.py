"""The embedded store (`make run`): the app serves its own signed, expiring upload and download URLs."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from PIL import Image

from backend.photos.models import Photo
from backend.storage.local import LocalStore
from tests.backend.photos.phone import Phone
from tests.backend.world import build_world
from tests.fixtures import images


@pytest.fixture
async def world(client):
    return await build_world()


@pytest.fixture
def phone(client, world) -> Phone:
    return Phone(client, client, world.headers("patient_a"))


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def test_an_upload_lands_in_the_local_folder_and_the_timeline_shows_it(app, phone, client, settings):
    data = images.photo_jpeg(1200, 900)
    slot = (await phone.slot(data)).json()
    assert slot["upload"]["url"].startswith("http://testserver.local/store/objects/incoming/")
    assert (await phone.send(slot["upload"], data)).status_code == 200
    assert (await phone.complete(slot["photo_id"])).status_code == 200
    await app.state.jobs.wait_idle()
    timeline = (await client.get("/me/timeline", headers=phone.headers)).json()
    [photo] = timeline["months"][0]["photos"]
    assert photo["status"] == "ready"
    thumb = await client.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.headers["x-content-type-options"] == "nosniff"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    token = (await Photo.get(id=slot["photo_id"])).storage_token
    root = Path(settings.local_store_path)
    assert files_under(root) == [f"photos/{token}/{n}.jpg" for n in ("full", "preview", "thumb")]


def _with(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"


async def test_upload_urls_refuse_tampering_expiry_and_other_bytes(app, phone, client, settings):
    data = images.photo_jpeg(800, 600)
    slot = (await phone.slot(data)).json()
    upload = slot["upload"]
    headers = {"Content-Type": "image/jpeg"}
    tampered = await client.put(_with(upload["url"], size=str(len(data) + 5)), content=data, headers=headers)
    assert tampered.status_code == 403 and tampered.json()["error"]["code"] == "upload_url_invalid"
    other_key = upload["url"].replace("/incoming/", "/photos/")
    assert (await client.put(other_key, content=data, headers=headers)).status_code == 403
    wrong_type = await client.put(upload["url"], content=data, headers={"Content-Type": "text/html"})
    assert wrong_type.status_code == 415
    longer = await client.put(upload["url"], content=data + b"more", headers=headers)
    assert longer.status_code == 413
    changed = await client.put(upload["url"], content=data[:-1] + b"\0", headers=headers)
    assert changed.status_code == 400 and changed.json()["error"]["code"] == "photo_checksum_mismatch"
    assert files_under(Path(settings.local_store_path)) == []
    # an expired link, even correctly signed, is refused
    store: LocalStore = app.state.store
    target = await store.upload_target(
        "incoming/" + "0" * 32, size=len(data), content_type="image/jpeg",
        sha256_hex=hashlib.sha256(data).hexdigest(), expires_in=-1,
    )
    expired = await client.put(target.url, content=data, headers=headers)
    assert expired.status_code == 403


async def test_download_urls_refuse_tampering_and_other_keys(app, client):
    store: LocalStore = app.state.store
    await store.write("photos/" + "a" * 32 + "/thumb.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    url = await store.download_url("photos/" + "a" * 32 + "/thumb.jpg", expires_in=60)
    assert (await client.get(url)).content == b"\xff\xd8\xff"
    assert (await client.get(url.replace("thumb.jpg", "full.jpg"))).status_code == 403
    assert (await client.get(_with(url, expires=str(int(time.time()) + 10_000)))).status_code == 403
    assert (await client.get("/store/objects/../../etc/passwd?sig=x")).status_code in (403, 404)
    assert (await client.get("/store/objects/photos/%2e%2e/secret_key?sig=x")).status_code == 403


async def test_a_local_store_answers_its_health_check(client):
    assert (await client.get("/health")).json()["store"] == "ok"


def test_keys_cannot_leave_the_folder(tmp_path):
    from backend.storage.local import InvalidKey, check_key

    for bad in ("../x", "photos/../../x", "/etc/passwd", "photos//x", "Photos/x", "photos/.hidden", "x"):
        with pytest.raises(InvalidKey):
            check_key(bad)
    assert check_key("photos/" + "a" * 32 + "/thumb.jpg")


async def test_with_s3_configured_the_local_routes_are_not_there(app, client):
    app.state.store = object()
    assert (await client.get("/store/objects/photos/x/thumb.jpg?sig=x")).status_code == 404
