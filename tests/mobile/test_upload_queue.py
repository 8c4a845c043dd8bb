"""The photo queue on disk: nothing the patient kept is lost or doubled, across reopenings."""

from __future__ import annotations

import hashlib
import stat
import time

from mobile.services.upload_queue import PhotoState, UploadQueue, UploadTarget, new_idempotency_key


def _queue(tmp_path) -> UploadQueue:
    return UploadQueue(tmp_path / "phone.sqlite3", tmp_path / "photos")


def _add(queue: UploadQueue, data: bytes = b"\xff\xd8photo bytes\xff\xd9", *, key: str | None = None, view: str = "vertex"):
    return queue.add(
        key=key or new_idempotency_key(), checkin_month=1, view_id=view, data=data, width=1080, height=1440, captured_at=1000.0
    )


def test_a_kept_photo_is_on_disk_private_with_its_checksum(tmp_path):
    queue = _queue(tmp_path)
    data = b"\xff\xd8" + bytes(range(256)) * 40 + b"\xff\xd9"
    photo = _add(queue, data)
    assert photo.state == PhotoState.CAPTURED
    assert photo.path.read_bytes() == data
    assert photo.sha256 == hashlib.sha256(data).hexdigest() and photo.size == len(data)
    assert stat.S_IMODE(photo.path.stat().st_mode) == 0o600


def test_the_same_key_twice_is_one_photo(tmp_path):
    queue = _queue(tmp_path)
    key = new_idempotency_key()
    first = _add(queue, b"first", key=key)
    second = _add(queue, b"second", key=key)
    assert second == first
    assert len(queue.all()) == 1 and first.path.read_bytes() == b"first"


def test_reopened_after_a_kill_mid_upload_the_photo_is_sent_again_from_its_slot(tmp_path):
    queue = _queue(tmp_path)
    photo = _add(queue)
    queue.set_slot(photo.key, "photo-1", UploadTarget(url="http://store/put", headers={"x": "1"}, expires_at=2e9))
    queue.mark_uploading(photo.key)
    queue.record_progress(photo.key, 5)
    # the app is killed here: no close, a new queue on the same files
    reopened = _queue(tmp_path)
    again = reopened.get(photo.key)
    assert again.state == PhotoState.SLOT
    assert again.photo_id == "photo-1" and again.target.url == "http://store/put" and again.target.headers == {"x": "1"}
    assert again.path.read_bytes() == photo.path.read_bytes()
    assert reopened.next_due(now=0) == again


def test_summary_counts_what_the_patient_sees(tmp_path):
    queue = _queue(tmp_path)
    done, waiting, refused = _add(queue, b"a" * 100), _add(queue, b"b" * 300), _add(queue, b"c" * 50)
    queue.mark_completed(done.key)
    queue.mark_failed(refused.key, code="photo_not_an_image", text="This file is not a photo.")
    summary = queue.summary()
    assert (summary.total, summary.completed, summary.waiting, summary.failed) == (3, 1, 1, 1)
    assert summary.bytes_total == 400 and summary.bytes_done == 100
    assert summary.fraction_done == 0.25
    assert queue.next_due(now=0).key == waiting.key


def test_a_photo_waiting_for_a_retry_is_not_due_until_its_time(tmp_path):
    queue = _queue(tmp_path)
    photo = _add(queue)
    queue.retry_later(photo.key, delay=60, code="offline", text="offline")
    assert queue.next_due(now=time.time()) is None
    assert 55 < queue.seconds_until_due(time.time()) <= 60
    queue.retry_now()
    assert queue.next_due(now=0).key == photo.key
