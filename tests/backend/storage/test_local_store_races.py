"""The embedded store racing a patient's deletion: an upload or a download answers 4xx or succeeds,
never 500, and what lands after the rows are gone is removed by the sweep."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import backend.storage.local as local
from backend.photos.models import Photo
from backend.photos.reconciler import sweep
from tests.backend.photos.phone import Phone
from tests.backend.world import build_world
from tests.fixtures import images


@pytest.fixture
async def world(client):
    return await build_world()


@pytest.fixture
def phone(client, world) -> Phone:
    return Phone(client, client, world.headers("patient_a"))


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and ".incoming" not in p.parts)


async def test_an_upload_whose_folder_is_removed_by_a_deletion_mid_write_still_lands(app, phone, client, world, settings, monkeypatch):
    data = images.photo_jpeg()
    slot = (await phone.slot(data)).json()
    real_mkstemp = tempfile.mkstemp

    def mkstemp_then_folder_removed(*args, **kwargs):
        # the moment the race needs: the deletion removes the last object of the folder and the folder
        made = real_mkstemp(*args, **kwargs)
        shutil.rmtree(Path(settings.local_store_path) / "incoming", ignore_errors=True)
        return made

    monkeypatch.setattr(local.tempfile, "mkstemp", mkstemp_then_folder_removed)
    answer = await phone.send(slot["upload"], data)
    assert answer.status_code == 200, answer.text
    token = (await Photo.get(id=slot["photo_id"])).storage_token
    assert _files(Path(settings.local_store_path)) == [f"incoming/{token}"]


async def test_uploads_racing_a_patient_deletion_never_fail_with_500_and_leave_nothing_after_the_sweep(app, phone, client, world, settings):
    photos = [images.photo_jpeg(seed=n) for n in range(6)]
    views = ["frontal", "vertex", "crown", "left_temple", "right_temple", "frontal"]
    slots = [(await phone.slot(data, view=view, month=month)).json() for data, view, month in zip(photos, views, [0] * 5 + [1])]
    # a first photo completes, so the deletion has objects of its own to remove
    assert (await phone.send(slots[0]["upload"], photos[0])).status_code == 200
    assert (await phone.complete(slots[0]["photo_id"])).status_code == 200
    await app.state.jobs.wait_idle()

    async def delete() -> int:
        return (await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))).status_code

    answers = await asyncio.gather(delete(), *(phone.send(slot["upload"], data) for slot, data in zip(slots[1:], photos[1:])))
    assert answers[0] == 204
    assert all(answer.status_code < 500 for answer in answers[1:]), [a.text for a in answers[1:]]
    completes = [await phone.complete(slot["photo_id"]) for slot in slots[1:]]
    assert {c.status_code for c in completes} <= {401, 404}
    await sweep(store=app.state.store, settings=settings, now=datetime.now(UTC) + timedelta(hours=1))
    assert _files(Path(settings.local_store_path)) == []


async def test_a_download_racing_the_deletion_of_its_rendition_is_whole_or_a_404(app, phone, client, world, settings, monkeypatch):
    data = images.photo_jpeg()
    slot = (await phone.slot(data)).json()
    await phone.send(slot["upload"], data)
    await phone.complete(slot["photo_id"])
    await app.state.jobs.wait_idle()
    photo = (await client.get(f"/me/photos/{slot['photo_id']}", headers=phone.headers)).json()
    renditions = Path(settings.local_store_path) / "photos"
    expected = next(renditions.rglob("thumb.jpg")).read_bytes()
    real_is_file, real_open = Path.is_file, Path.open

    # the deletion runs right after the store first looks at the file, however it looks
    def is_file_then_removed(path: Path) -> bool:
        found = real_is_file(path)
        shutil.rmtree(renditions, ignore_errors=True)
        return found

    def open_then_removed(path: Path, *args, **kwargs):
        handle = real_open(path, *args, **kwargs)
        if renditions in path.parents:
            shutil.rmtree(renditions, ignore_errors=True)
        return handle

    monkeypatch.setattr(local.Path, "is_file", is_file_then_removed)
    monkeypatch.setattr(local.Path, "open", open_then_removed)
    answer = await client.get(photo["thumbnail_url"])
    assert answer.status_code in (200, 404), answer.text
    if answer.status_code == 200:
        assert answer.content == expected
    monkeypatch.undo()
    gone = await client.get(photo["thumbnail_url"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
