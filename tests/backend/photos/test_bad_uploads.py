"""Bad uploads on S3: what complete can tell from the first 64 kB gets a 4xx with a stable code and
leaves no row and no object; what only the whole file shows is refused by processing, which
deletes the bytes and asks the patient to retake the photo."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.clinics.models import Clinic
from backend.imaging.admission import HEAD_BYTES
from backend.reminders.models import Reminder
from shared.contract.reminders import ReminderState
from shared.schedule import ReminderKind
from tests.fixtures import images


async def assert_nothing_kept(s3) -> None:
    assert await Photo.all().count() == 0
    assert await CheckIn.all().count() == 0
    assert s3.keys() == []


# what the phone sends (bytes, declared content type) -> what complete answers
REFUSED_AT_COMPLETE = {
    "png decompression bomb": (images.png_decompression_bomb, "image/png", 413, "photo_too_many_pixels"),
    "html renamed .jpg": (images.html_page, "image/jpeg", 415, "photo_not_an_image"),
    "shell script renamed .jpg": (images.shell_script, "image/jpeg", 415, "photo_not_an_image"),
    "zip archive": (images.zip_archive, "image/jpeg", 415, "photo_not_an_image"),
    "jpeg declared as png": (lambda: images.photo_jpeg(800, 600), "image/png", 415, "unsupported_media_type"),
    "png declared as heic": (lambda: images.photo_png(640, 480), "image/heic", 415, "unsupported_media_type"),
    "corrupt jpeg header": (images.corrupt_jpeg, "image/jpeg", 400, "photo_corrupt"),
    "thumbnail-sized jpeg": (images.tiny_jpeg, "image/jpeg", 400, "photo_too_small"),
}


@pytest.mark.parametrize("case", REFUSED_AT_COMPLETE)
async def test_a_bad_file_is_refused_at_complete_and_nothing_is_kept(case, phone_a, jobs, s3):
    make, content_type, status, code = REFUSED_AT_COMPLETE[case]
    data = make()
    answer = await phone_a.upload(data, content_type=content_type)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]  # words for the patient
    await jobs.wait_idle()
    await assert_nothing_kept(s3)


# what processing refuses after complete accepted the first 64 kB -> the code on the photo
REFUSED_BY_PROCESSING = {
    "truncated jpeg": (images.truncated_jpeg, "image/jpeg", "photo_corrupt"),
    "truncated jpeg with an end marker": (images.truncated_jpeg_with_end_marker, "image/jpeg", "photo_corrupt"),
    "short-scan jpeg": (images.short_scan_jpeg, "image/jpeg", "photo_corrupt"),
    "truncated png with an end chunk": (images.truncated_png, "image/png", "photo_corrupt"),
    "short-scan png": (images.short_scan_png, "image/png", "photo_corrupt"),
    "jpeg + zip polyglot": (images.jpeg_zip_polyglot, "image/jpeg", "photo_not_an_image"),
    "jpeg + html polyglot": (images.jpeg_html_polyglot, "image/jpeg", "photo_not_an_image"),
}


async def assert_refused_for_retake(phone, photo_id: str, code: str, s3) -> None:
    """The photo is rejected with its code and the patient's words, its bytes are gone, and a
    retake push waits in the outbox (generic words only)."""
    status = (await phone.status(photo_id)).json()
    assert status["status"] == "rejected"
    assert status["rejection"]["code"] == code
    assert status["rejection"]["message"]
    assert s3.keys() == []
    [notice] = await Reminder.filter(kind=ReminderKind.PHOTO_RETAKE)
    assert notice.dedupe_key == f"photo_retake:{photo_id}"
    assert notice.state == ReminderState.PENDING


@pytest.mark.parametrize("case", REFUSED_BY_PROCESSING)
async def test_a_damaged_photo_is_refused_by_processing_and_the_patient_is_asked_to_retake(case, phone_a, jobs, s3):
    make, content_type, code = REFUSED_BY_PROCESSING[case]
    data = make()
    assert len(data) > HEAD_BYTES  # complete reads the first 64 kB only, so the job finds it
    answer = await phone_a.upload(data, content_type=content_type)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "uploaded"
    await jobs.wait_idle()
    await assert_refused_for_retake(phone_a, answer.json()["id"], code, s3)


async def test_an_empty_photo_is_refused_before_any_upload(phone_a, s3):
    answer = await phone_a.slot(images.empty_file())
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "photo_empty"
    await assert_nothing_kept(s3)


async def test_an_empty_upload_for_a_declared_photo_is_refused(phone_a, s3):
    data = images.photo_jpeg(800, 600)
    slot = (await phone_a.slot(data)).json()
    await phone_a.send(slot["upload"], b"")
    answer = await phone_a.complete(slot["photo_id"])
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "photo_size_mismatch"
    await assert_nothing_kept(s3)


async def test_a_photo_over_the_size_limit_gets_no_slot(phone_a, settings, s3):
    answer = await phone_a.slot(b"x", size=settings.max_photo_bytes + 1)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "photo_too_large"
    await assert_nothing_kept(s3)


async def test_bytes_over_the_limit_in_the_store_are_refused_unread(app, phone_a, s3):
    # a store that does not enforce the signed size (moto) took more than the limit
    data = images.photo_jpeg(800, 600)
    slot = (await phone_a.slot(data)).json()
    key = f"incoming/{(await Photo.get(id=slot['photo_id'])).storage_token}"
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=b"\xff\xd8\xff" + b"\0" * (app.state.settings.max_photo_bytes + 10))
    answer = await phone_a.complete(slot["photo_id"])
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "photo_too_large"
    await assert_nothing_kept(s3)


async def test_bytes_larger_than_declared_are_refused(phone_a, s3):
    data = images.photo_jpeg(800, 600)
    slot = (await phone_a.slot(data)).json()
    await phone_a.send(slot["upload"], data + b"\0" * 100)  # moto does not hold it to the signed length
    answer = await phone_a.complete(slot["photo_id"])
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "photo_size_mismatch"
    await assert_nothing_kept(s3)


async def test_bytes_that_do_not_match_the_sha256_are_refused_where_they_are_read(phone_a, jobs, s3):
    # moto does not hold the upload to its signed checksum; the job, which reads every byte, does
    data = images.photo_jpeg(800, 600)
    other = images.photo_jpeg(800, 600, seed=5)[: len(data)].ljust(len(data), b"\0")
    slot = (await phone_a.slot(data)).json()
    await phone_a.send(slot["upload"], other)
    answer = await phone_a.complete(slot["photo_id"])
    assert answer.status_code == 200
    await jobs.wait_idle()
    await assert_refused_for_retake(phone_a, slot["photo_id"], "photo_checksum_mismatch", s3)


async def test_a_declared_type_that_is_not_a_photo_gets_no_slot(phone_a, s3):
    answer = await phone_a.slot(images.html_page(), content_type="text/html")
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "unsupported_media_type"
    await assert_nothing_kept(s3)


async def test_a_view_the_clinic_does_not_take_is_refused(phone_a, world, s3):
    await Clinic.filter(id=world.ids["clinic_x"]).update(protocol_views=["frontal", "crown"])
    answer = await phone_a.slot(images.photo_jpeg(800, 600), view="vertex")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "view_not_in_protocol"
    unknown = await phone_a.slot(images.photo_jpeg(800, 600), view="nape")
    assert unknown.json()["error"]["code"] == "view_not_in_protocol"
    await assert_nothing_kept(s3)


async def test_an_upload_into_another_patients_check_in_is_not_found(phone_a, phone_b, world, jobs, s3):
    mine = (await phone_b.slot(images.photo_jpeg(800, 600))).json()
    await CheckIn.all().count()
    answer = await phone_a.slot(images.photo_jpeg(800, 600, seed=2), checkin_id=mine["checkin_id"], month=None)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert await Photo.filter(patient_id=world.ids["patient_a"]).count() == 0
    assert await CheckIn.filter(patient_id=world.ids["patient_a"]).count() == 0


async def test_completing_or_reading_another_patients_photo_is_not_found(phone_a, phone_b):
    theirs = (await phone_b.slot(images.photo_jpeg(800, 600))).json()
    assert (await phone_a.complete(theirs["photo_id"])).status_code == 404
    assert (await phone_a.status(theirs["photo_id"])).status_code == 404
    assert (await Photo.get(id=theirs["photo_id"])).status == "pending"


async def test_complete_before_the_bytes_arrived_keeps_the_slot_for_a_retry(phone_a, jobs, s3):
    data = images.photo_jpeg(800, 600)
    key = str(uuid.uuid4())
    slot = (await phone_a.slot(data, key=key)).json()
    early = await phone_a.complete(slot["photo_id"])
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "photo_not_uploaded"
    retry = (await phone_a.slot(data, key=key)).json()
    await phone_a.send(retry["upload"], data)
    assert (await phone_a.complete(slot["photo_id"])).status_code == 200
    await jobs.wait_idle()
    assert (await phone_a.status(slot["photo_id"])).json()["status"] == "ready"


@pytest.mark.parametrize(
    "change",
    [
        {"sha256": "not-hex"},
        {"size": -1},
        {"idempotency_key": "not-a-uuid"},
        {"view": "x" * 500},
        {"unexpected": 1},
    ],
)
async def test_malformed_slot_requests_are_refused(change, phone_a, s3):
    body = phone_a.slot_body(b"abc") | change
    answer = await phone_a.client.post("/me/photos/slots", json=body, headers=phone_a.headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] in {"validation_failed", "unknown_field"}
    await assert_nothing_kept(s3)


async def test_an_uppercase_sha256_names_the_same_bytes(phone_a, jobs):
    data = images.photo_jpeg(800, 600)
    answer = await phone_a.upload(data, sha256=hashlib.sha256(data).hexdigest().upper())
    assert answer.status_code == 200, answer.text
