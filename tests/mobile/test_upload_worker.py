"""The upload worker's decisions, with a transport that answers as told: when to wait, when to
ask for a fresh slot, when to give up on a photo (and that it never drops one silently)."""

from __future__ import annotations

import random
import time

from mobile.messages import patient_message
from mobile.services.api_client import ApiError, Offline
from mobile.services.upload_queue import PhotoState, UploadQueue, UploadTarget, new_idempotency_key
from mobile.services.upload_worker import BACKOFF_CAP_SECONDS, SlotAnswer, UploadWorker, backoff_delay
from shared.contract.checkins import PhotoStatus


class ScriptedTransport:
    """Each call takes the next answer of its script: an exception to raise, or None for success."""

    def __init__(self, slot=(), send=(), complete=(), completed_as=PhotoStatus.READY, status=()) -> None:
        self.scripts = {"slot": list(slot), "send": list(send), "complete": list(complete), "status": []}
        self.completed_as = completed_as
        self.statuses = list(status)  # what each status call answers: a PhotoStatus or an exception
        self.calls: list[str] = []
        self.slots = 0

    def _next(self, step: str) -> None:
        self.calls.append(step)
        if self.scripts[step]:
            failure = self.scripts[step].pop(0)
            if failure is not None:
                raise failure

    def request_slot(self, photo):
        self._next("slot")
        self.slots += 1
        return SlotAnswer(photo_id="photo-1", target=UploadTarget(url=f"http://store/{self.slots}", expires_at=4e9))

    def send(self, photo, target, progress):
        self._next("send")
        progress(photo.size, photo.size)

    def complete(self, photo):
        self._next("complete")
        return self.completed_as

    def status(self, photo):
        self.calls.append("status")
        answer = self.statuses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _worker(tmp_path, transport) -> tuple[UploadWorker, str]:
    queue = UploadQueue(tmp_path / "phone.sqlite3", tmp_path / "photos")
    key = new_idempotency_key()
    queue.add(key=key, checkin_month=0, view_id="crown", data=b"\xff\xd8jpeg\xff\xd9", width=1, height=1, captured_at=1)
    return UploadWorker(queue, transport, rng=random.Random(7)), key


def test_waits_grow_from_seconds_to_minutes_and_stop_growing():
    rng = random.Random(1)
    waits = [backoff_delay(attempt, rng) for attempt in range(12)]
    assert 1 <= waits[0] <= 2 and 2 <= waits[1] <= 4
    assert all(BACKOFF_CAP_SECONDS / 2 <= w <= BACKOFF_CAP_SECONDS for w in waits[8:])
    assert backoff_delay(0, rng, retry_after=30) == 30


def test_offline_keeps_the_photo_and_its_slot_for_later(tmp_path):
    transport = ScriptedTransport(send=[Offline("cable pulled")])
    worker, key = _worker(tmp_path, transport)
    worker.step()
    photo = worker.queue.get(key)
    assert photo.state == PhotoState.SLOT and photo.error_code == "offline" and photo.attempts == 1
    assert worker.queue.next_due(now=photo.next_attempt_at - 0.5) is None
    worker.queue.retry_now()
    worker.drain()
    assert worker.queue.get(key).state == PhotoState.COMPLETED
    assert transport.calls == ["slot", "send", "send", "complete"]  # no second slot for a network error


def test_an_expired_url_asks_for_a_fresh_slot_with_the_same_key(tmp_path):
    expired = ApiError("upload_url_invalid", patient_message("upload_url_invalid"), status=403)
    transport = ScriptedTransport(send=[expired])
    worker, key = _worker(tmp_path, transport)
    worker.drain()
    assert worker.queue.get(key).state == PhotoState.COMPLETED
    assert transport.calls == ["slot", "send", "slot", "send", "complete"]


def test_a_refusal_for_good_marks_the_photo_failed_in_the_patients_words_and_keeps_it(tmp_path):
    refused = ApiError("photo_not_an_image", patient_message("photo_not_an_image"), status=400)
    worker, key = _worker(tmp_path, ScriptedTransport(complete=[refused]))
    worker.drain()
    photo = worker.queue.get(key)
    assert photo.state == PhotoState.FAILED and photo.error_text == "This file is not a photo. Please take the photo again with the app."
    assert photo.path.exists()
    # the same bytes would be refused again: "try again" leaves it for the retake
    assert worker.queue.retry_failed() == 0 and worker.queue.get(key).state == PhotoState.FAILED
    assert worker.queue.summary().retryable == 0


def test_a_photo_that_arrived_damaged_every_time_is_sent_again_when_the_patient_asks(tmp_path):
    mangled = ApiError("photo_checksum_mismatch", patient_message("photo_checksum_mismatch"), status=400)
    transport = ScriptedTransport(complete=[mangled, mangled, mangled])
    worker, key = _worker(tmp_path, transport)
    for _ in range(3):
        worker.queue.retry_now()
        worker.step()
    assert worker.queue.get(key).state == PhotoState.FAILED and worker.queue.summary().retryable == 1
    assert worker.queue.retry_failed() == 1 and worker.queue.get(key).state == PhotoState.CAPTURED
    worker.drain()
    assert worker.queue.get(key).state == PhotoState.COMPLETED


def test_server_trouble_waits_at_least_as_long_as_it_asks(tmp_path):
    busy = ApiError("store_unavailable", "busy", status=503, retry_after=120)
    worker, key = _worker(tmp_path, ScriptedTransport(slot=[busy]))
    worker.step()
    photo = worker.queue.get(key)
    assert photo.state == PhotoState.CAPTURED and photo.next_attempt_at - time.time() > 115


def test_bytes_damaged_every_time_stop_being_retried(tmp_path):
    damaged = ApiError("photo_checksum_mismatch", patient_message("photo_checksum_mismatch"), status=400)
    transport = ScriptedTransport(complete=[damaged, damaged, damaged])
    worker, key = _worker(tmp_path, transport)
    for _ in range(3):
        worker.queue.retry_now()
        worker.step()
    photo = worker.queue.get(key)
    assert photo.state == PhotoState.FAILED and photo.error_code == "photo_checksum_mismatch"
    assert transport.calls.count("slot") == 3 and photo.path.exists()


def test_a_revoked_phone_keeps_its_photos_waiting_not_failed(tmp_path):
    revoked = ApiError("token_revoked", patient_message("token_revoked"), status=401)
    worker, key = _worker(tmp_path, ScriptedTransport(slot=[revoked]))
    worker.step()
    assert worker.queue.get(key).state == PhotoState.CAPTURED and worker.queue.get(key).error_code == "token_revoked"


def test_a_photo_the_backend_is_checking_is_asked_after_until_it_is_ready(tmp_path):
    transport = ScriptedTransport(completed_as=PhotoStatus.UPLOADED, status=[PhotoStatus.UPLOADED, PhotoStatus.READY])
    worker, key = _worker(tmp_path, transport)
    worker.drain()
    photo = worker.queue.get(key)
    assert photo.state == PhotoState.CHECKING  # sent; the clinic is reading the whole photo
    assert worker.queue.summary().bytes_done == photo.size
    assert worker.queue.next_due(now=time.time()) is None  # it asks again a little later, not at once
    worker.queue.retry_now()
    worker.drain()
    later = worker.queue.get(key)
    assert later.state == PhotoState.CHECKING and later.next_attempt_at - time.time() >= 1  # waits longer each time
    worker.queue.retry_now()
    worker.drain()
    assert worker.queue.get(key).state == PhotoState.COMPLETED
    assert transport.calls == ["slot", "send", "complete", "status", "status"]


def test_a_photo_refused_while_checked_is_failed_with_the_retake_prompt(tmp_path):
    refusal = ApiError("photo_corrupt", patient_message("photo_corrupt"), status=422)
    transport = ScriptedTransport(completed_as=PhotoStatus.UPLOADED, status=[refusal])
    worker, key = _worker(tmp_path, transport)
    worker.drain()
    worker.queue.retry_now()
    worker.drain()
    photo = worker.queue.get(key)
    assert photo.state == PhotoState.FAILED
    assert photo.error_code == "photo_corrupt"
    assert photo.error_text == patient_message("photo_corrupt") and "take it again" in photo.error_text
    assert photo.path.exists()  # kept until the patient retakes it
