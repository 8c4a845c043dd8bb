"""Deleting a patient deletes their photos from the store as well as their rows."""

from __future__ import annotations

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.photos.reconciler import sweep
from tests.fixtures import images


async def _photos_of_a_and_b(phone_a, phone_b, jobs) -> None:
    await phone_a.upload(images.photo_jpeg(800, 600))
    await phone_a.upload(images.photo_jpeg(800, 600, seed=2), view="crown")
    await phone_b.upload(images.photo_jpeg(800, 600, seed=3))
    await jobs.wait_idle()


async def test_deleting_a_patient_removes_their_objects_and_rows_only(client, world, phone_a, phone_b, jobs, s3):
    await _photos_of_a_and_b(phone_a, phone_b, jobs)
    tokens_b = set(await Photo.filter(patient_id=world.ids["patient_b"]).values_list("storage_token", flat=True))
    answer = await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert answer.status_code == 204
    assert await Photo.filter(patient_id=world.ids["patient_a"]).count() == 0
    assert await CheckIn.filter(patient_id=world.ids["patient_a"]).count() == 0
    assert {key.split("/")[1] for key in s3.keys()} == tokens_b  # patient B's photos stay


async def test_objects_left_by_a_delete_while_the_store_was_down_go_in_the_next_sweep(
    app, client, world, phone_a, phone_b, jobs, settings, s3
):
    await _photos_of_a_and_b(phone_a, phone_b, jobs)
    s3.relay.down()
    answer = await client.delete(f"/patients/{world.ids['patient_a']}", headers=world.headers("staff_x"))
    assert answer.status_code == 204  # the rows go; the store is caught up with later
    s3.relay.up()
    assert len(s3.keys()) == 9
    from datetime import UTC, datetime, timedelta

    await sweep(store=app.state.store, settings=settings, now=datetime.now(UTC) + timedelta(hours=1))
    assert len(s3.keys()) == 3
