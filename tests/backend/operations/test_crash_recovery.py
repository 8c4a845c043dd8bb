"""Nothing stuck after a crash: the API process killed (SIGKILL) at several moments after
`complete` answered, on the embedded default (jobs in the API's memory, SQLite or PostgreSQL, the
local store). After the restart every photo is processed, exactly once, with the photo sweep off:
the start-up queues again what the killed process had accepted, and the phone's retried
`complete` queues a photo whose job was lost."""

from __future__ import annotations

import asyncio

from backend.photos.models import Photo
from tests.backend.operations.phone import HttpPhone
from tests.backend.operations.processes import serve, wait_for
from tests.fixtures import images

VIEWS = ("frontal", "vertex", "crown", "left_temple", "right_temple", "frontal")
# the embedded default has no redelivery time: the bound is the "plus a minute"
RECOVERY_LIMIT = 60


def server_settings(settings, tmp_path) -> dict[str, object]:
    return {
        "database_url": settings.database_url, "local_store_path": settings.local_store_path,
        "secret_key": settings.secret_key, "data_dir": tmp_path / "data",
        "password_hash_time_cost": 1, "password_hash_memory_kib": 8, "password_hash_parallelism": 1,
    }


async def test_photos_accepted_before_the_api_was_killed_are_processed_once_after_its_restart(world, settings, tmp_path):
    values = server_settings(settings, tmp_path)
    photos = [images.photo_jpeg(1600, 1200, seed=n) for n in range(len(VIEWS))]
    server, url = await serve(values, tmp_path)
    phone = HttpPhone(url, world.tokens["patient_a"])
    try:
        ids = [await phone.send(data, view) for data, view in zip(photos, VIEWS, strict=True)]
        # each complete answers, then the next: the kill lands 0.05 s to ~1 s after each photo's complete,
        # while some are queued, some decoding, some writing renditions, some done
        for photo_id in ids:
            answer = await phone.complete(photo_id)
            assert answer.status_code == 200 and answer.json()["status"] in ("uploaded", "ready"), answer.text
            await asyncio.sleep(0.05)
    finally:
        server.kill()
        await phone.close()
    at_kill = {str(p.id): (p.status, p.processed_at) for p in await Photo.filter(id__in=ids)}
    assert "uploaded" in {status for status, _ in at_kill.values()}, "the kill came after every job: nothing to recover"

    server, url = await serve(values, tmp_path)
    phone = HttpPhone(url, world.tokens["patient_a"])
    try:
        async def all_ready() -> bool:
            return await Photo.filter(id__in=ids, status="ready").count() == len(ids)

        took = await wait_for(all_ready, limit=RECOVERY_LIMIT)  # nobody asked: the start-up queued them
        # the phone, back online, retries complete: the same photos, nothing queued or made twice
        for photo_id in ids:
            again = await phone.complete(photo_id)
            assert again.status_code == 200 and again.json()["status"] == "ready"
    finally:
        server.kill()
        await phone.close()
    assert took < RECOVERY_LIMIT
    after = {str(p.id): p for p in await Photo.filter(patient_id=world.ids["patient_a"])}
    assert sorted(after) == sorted(ids)  # one row per photo
    for photo_id, (status, processed_at) in at_kill.items():
        if status == "ready":  # done before the kill: not processed again
            assert after[photo_id].processed_at == processed_at
    store = settings.local_store_path
    from pathlib import Path

    for photo in after.values():
        for name in ("full", "preview", "thumb"):
            assert (Path(store) / "photos" / photo.storage_token / f"{name}.jpg").is_file()


async def test_a_retried_complete_queues_a_photo_whose_job_was_lost(client, world, app, settings):
    from tests.backend.photos.phone import Phone

    phone = Phone(client, client, world.headers("patient_a"))
    data = images.photo_jpeg(800, 600)
    slot = (await phone.slot(data)).json()
    assert (await phone.send(slot["upload"], data)).status_code == 200
    # complete was accepted by a process that died before its job ran
    await Photo.filter(id=slot["photo_id"]).update(status="uploaded")
    retried = await phone.complete(slot["photo_id"])
    assert retried.status_code == 200 and retried.json()["status"] == "uploaded"
    await app.state.jobs.wait_idle()
    assert (await Photo.get(id=slot["photo_id"])).status == "ready"
    assert not app.state.jobs.live


async def test_a_deleted_patients_upload_link_takes_no_bytes(client, world, settings):
    from pathlib import Path

    from tests.backend.photos.phone import Phone

    phone = Phone(client, client, world.headers("patient_a"))
    data = images.photo_jpeg(640, 480)
    slot = (await phone.slot(data)).json()
    deleted = await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert deleted.status_code == 204
    late = await phone.send(slot["upload"], data)
    assert late.status_code == 403 and late.json()["error"]["code"] == "upload_url_invalid"
    assert not [p for p in Path(settings.local_store_path).rglob("*") if p.is_file()]
