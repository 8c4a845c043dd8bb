"""The upload protocol on S3: slot, bytes straight to the store, complete; retries never duplicate."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.clinics.models import Clinic
from backend.reminders.models import CompletedMonth
from tests.fixtures import images


async def test_a_photo_goes_from_slot_to_ready_and_only_clean_renditions_stay(phone_a, jobs, s3):
    data = images.photo_jpeg(1600, 1200)
    slot = await phone_a.slot(data)
    assert slot.status_code == 200, slot.text
    body = slot.json()
    assert body["status"] == "pending" and body["checkin_month"] == 0 and body["view"] == "frontal"
    upload = body["upload"]
    assert upload["method"] == "PUT"
    assert upload["headers"]["Content-Type"] == "image/jpeg"
    assert upload["headers"]["x-amz-server-side-encryption"] == "AES256"
    assert "X-Amz-Expires=300" in upload["url"]

    assert (await phone_a.send(upload, data)).status_code == 200
    done = await phone_a.complete(body["photo_id"])
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "uploaded"

    await jobs.wait_idle()
    photo = (await phone_a.status(body["photo_id"])).json()
    assert photo["status"] == "ready"
    assert (photo["width"], photo["height"]) == (1600, 1200)
    assert photo["metrics"]["width"] == 1600
    # only the processed photo and its thumbnails remain; the original (with GPS) is gone
    token = (await Photo.get(id=body["photo_id"])).storage_token
    assert s3.keys() == sorted(f"photos/{token}/{name}.jpg" for name in ("full", "preview", "thumb"))
    assert all(s3.head(key)["ServerSideEncryption"] == "AES256" for key in s3.keys())
    # the links the patient gets open the photo
    thumb = await phone_a.store_http.get(photo["thumbnail_url"])
    assert thumb.status_code == 200
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    full = await phone_a.store_http.get(photo["full_url"])
    assert Image.open(io.BytesIO(full.content)).size == (1600, 1200)


async def test_object_keys_carry_random_ids_only(phone_a, world, jobs, s3):
    await phone_a.upload(images.photo_jpeg(800, 600))
    await jobs.wait_idle()
    patient_id = str(world.ids["patient_a"])
    for key in s3.keys():
        assert patient_id not in key and "X-001" not in key and "frontal" not in key


async def test_the_same_key_is_always_the_same_photo(phone_a, jobs):
    data = images.photo_jpeg(800, 600)
    key = str(uuid.uuid4())
    first = (await phone_a.slot(data, key=key)).json()
    again = (await phone_a.slot(data, key=key)).json()
    assert again["photo_id"] == first["photo_id"]
    assert again["upload"] is not None  # a fresh URL for the retry
    await phone_a.send(again["upload"], data)
    # the app was killed after the upload: asking again says the bytes are there
    after_upload = (await phone_a.slot(data, key=key)).json()
    assert after_upload["already_uploaded"] is True and after_upload["upload"] is None
    await phone_a.complete(first["photo_id"])
    completed = (await phone_a.slot(data, key=key)).json()
    assert completed["photo_id"] == first["photo_id"] and completed["status"] == "uploaded"
    assert completed["upload"] is None
    await jobs.wait_idle()
    assert await Photo.all().count() == 1


async def test_complete_called_twice_makes_one_photo_processed_once(phone_a, jobs, s3):
    data = images.photo_jpeg(800, 600)
    slot = (await phone_a.slot(data)).json()
    await phone_a.send(slot["upload"], data)
    first = await phone_a.complete(slot["photo_id"])
    second = await phone_a.complete(slot["photo_id"])
    assert first.status_code == second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    await jobs.wait_idle()
    third = await phone_a.complete(slot["photo_id"])
    assert third.json()["status"] == "ready"
    assert await Photo.all().count() == 1
    assert len(s3.keys()) == 3


async def test_a_key_reused_for_another_photo_is_a_conflict(phone_a):
    key = str(uuid.uuid4())
    await phone_a.slot(images.photo_jpeg(800, 600), key=key)
    other = await phone_a.slot(images.photo_jpeg(800, 600, seed=3), key=key)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert await Photo.all().count() == 1


async def test_two_patients_may_send_the_same_bytes_with_the_same_key(phone_a, phone_b):
    data = images.photo_jpeg(800, 600)
    key = str(uuid.uuid4())
    a = (await phone_a.slot(data, key=key)).json()
    b = (await phone_b.slot(data, key=key)).json()
    assert a["photo_id"] != b["photo_id"]


async def test_an_iphone_heic_is_accepted_and_stored_as_jpeg_without_gps(phone_a, jobs, s3):
    data = images.heic_photo(800, 600, gps=True)
    answer = await phone_a.upload(data, content_type="image/heic")
    assert answer.status_code == 200, answer.text
    await jobs.wait_idle()
    photo = (await phone_a.status(answer.json()["id"])).json()
    assert photo["status"] == "ready"
    full = await phone_a.store_http.get(photo["full_url"])
    stored = Image.open(io.BytesIO(full.content))
    assert stored.format == "JPEG" and not stored.getexif()


async def test_the_check_in_completes_when_every_view_of_the_protocol_is_ready(phone_a, world, jobs):
    await Clinic.filter(id=world.ids["clinic_x"]).update(protocol_views=["frontal", "vertex"])
    await phone_a.upload(images.photo_jpeg(800, 600), view="frontal")
    await jobs.wait_idle()
    mine = (await phone_a.client.get("/me/checkins", headers=phone_a.headers)).json()
    assert mine["items"][0]["status"] == "open" and mine["items"][0]["done_views"] == ["frontal"]
    assert mine["completed_months"] == []

    await phone_a.upload(images.photo_jpeg(800, 600, seed=2), view="vertex")
    await jobs.wait_idle()
    mine = (await phone_a.client.get("/me/checkins", headers=phone_a.headers)).json()
    assert mine["completed_months"] == [0]
    assert mine["items"][0]["views"] == ["frontal", "vertex"]
    assert mine["protocol_views"] == ["frontal", "vertex"]
    # the month's check-in reminders stop
    assert await CompletedMonth.filter(patient_id=world.ids["patient_a"], month=0).exists()
    assert (await CheckIn.get(patient_id=world.ids["patient_a"], month=0)).completed_at is not None


async def test_a_retake_replaces_nothing_and_the_newest_ready_one_shows(phone_a, world, jobs):
    await phone_a.upload(images.photo_jpeg(800, 600, seed=1))
    second = await phone_a.upload(images.photo_jpeg(800, 600, seed=2))
    await jobs.wait_idle()
    timeline = (await phone_a.client.get("/me/timeline", headers=phone_a.headers)).json()
    shown = [p["id"] for p in timeline["months"][0]["photos"]]
    assert shown == [second.json()["id"]]
    assert await Photo.filter(status="ready").count() == 2


async def test_a_check_in_months_ahead_is_not_open_yet(phone_a):
    answer = await phone_a.slot(images.photo_jpeg(800, 600), month=400)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invalid_state"
    assert await CheckIn.all().count() == 0


async def test_the_upload_can_be_a_presigned_post_form(app, phone_a, jobs, s3):
    app.state.store.upload_method = "POST"
    data = images.photo_jpeg(800, 600)
    slot = (await phone_a.slot(data)).json()
    assert slot["upload"]["method"] == "POST"
    assert slot["upload"]["fields"]["Content-Type"] == "image/jpeg"
    sent = await phone_a.send(slot["upload"], data)
    assert sent.status_code in (200, 204), sent.text
    assert (await phone_a.complete(slot["photo_id"])).status_code == 200
    await jobs.wait_idle()
    assert (await phone_a.status(slot["photo_id"])).json()["status"] == "ready"


async def test_complete_reads_only_the_first_64_kb_and_processing_reads_the_photo_once(app, phone_a, jobs, monkeypatch):
    store = app.state.store
    reads: list[tuple[str, int]] = []
    real_head, real_read = store.read_head, store.read

    async def read_head(key, *, max_bytes):
        found = await real_head(key, max_bytes=max_bytes)
        reads.append(("head", len(found.data) if found else 0))
        return found

    async def read(key, *, max_bytes):
        found = await real_read(key, max_bytes=max_bytes)
        reads.append(("whole", len(found.data) if found else 0))
        return found

    monkeypatch.setattr(store, "read_head", read_head)
    monkeypatch.setattr(store, "read", read)
    data = images.photo_jpeg(3000, 2000)
    assert len(data) > 10 * 65536
    answer = await phone_a.upload(data)
    assert answer.status_code == 200 and answer.json()["status"] == "uploaded"
    assert reads == [("head", 65536)]  # the API tier never reads the whole photo
    await jobs.wait_idle()
    assert [r for r in reads if r[0] == "whole"] == [("whole", len(data))]  # the job reads it once
    assert (await phone_a.status(answer.json()["id"])).json()["status"] == "ready"
