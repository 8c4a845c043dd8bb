"""Drains the upload queue: slot, bytes, complete, for one photo after another, in a thread of its own.

Network trouble and server overload wait with exponential backoff and jitter; an expired upload URL
or bytes the backend did not find ask for a fresh slot (same idempotency key, so the same photo);
a refusal for good (not an image, not in the clinic's protocol) marks the photo failed with the
patient's words for it. After complete the backend reads the whole photo in the background: the
worker asks how that went (soon, then less often) until the photo is ready, or refused, which is
a refusal for good too: the patient is asked to take it again. Nothing here imports Kivy: the app
is told through `on_change`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from mobile.services.api_client import ApiError
from mobile.services.upload_queue import PhotoState, QueuedPhoto, UploadQueue, UploadTarget
from shared.contract.checkins import PhotoStatus
from shared.errors import ErrorCode

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 2.0
# after complete: the first look at how the backend's check went, then backoff up to the cap
FIRST_CHECK_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
# bytes that arrive damaged this often are damaged on the phone, not on the way: stop and say so
DAMAGED_CODES = {ErrorCode.PHOTO_SIZE_MISMATCH, ErrorCode.PHOTO_CHECKSUM_MISMATCH}
MAX_DAMAGED_TRIES = 3
RESTART_CODES = {
    ErrorCode.UPLOAD_URL_INVALID,
    ErrorCode.PHOTO_NOT_UPLOADED,
    ErrorCode.PHOTO_SIZE_MISMATCH,
    ErrorCode.PHOTO_CHECKSUM_MISMATCH,
}


@dataclass(frozen=True)
class SlotAnswer:
    """The backend's answer to "where do I send this photo": its id, and a target unless it has the bytes."""

    photo_id: str
    target: UploadTarget | None
    already_uploaded: bool = False
    already_completed: bool = False


class PhotoTransport(Protocol):
    """The three calls of the upload protocol (the API client adapts the contract to these)."""

    def request_slot(self, photo: QueuedPhoto) -> SlotAnswer: ...

    def send(self, photo: QueuedPhoto, target: UploadTarget, progress: Callable[[int, int], None]) -> None: ...

    def complete(self, photo: QueuedPhoto) -> PhotoStatus:
        """The backend's status of the photo after complete (uploaded while it checks it, or ready)."""
        ...

    def status(self, photo: QueuedPhoto) -> PhotoStatus:
        """The photo's status at the backend now; raises the refusal (an ApiError) when it was rejected."""
        ...


def backoff_delay(attempt: int, rng: random.Random, *, retry_after: float | None = None) -> float:
    """Seconds to wait before try number `attempt + 1`: doubling from 2 s to 5 min, the upper half
    jittered so a clinic's phones coming back online do not all retry at once."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)


class UploadWorker:
    """Sends queued photos until none is due. `start()` runs it in a daemon thread; `drain()` runs it inline."""

    def __init__(
        self,
        queue: UploadQueue,
        transport: PhotoTransport,
        *,
        on_change: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.queue = queue
        self.transport = transport
        self.on_change = on_change or (lambda key: None)
        self.clock = clock
        self.rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # running

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="follicle-uploads", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def kick(self) -> None:
        """Something changed (a new photo, back online, "try again"): look at the queue now."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.step()
            except Exception:  # a bug must not kill uploads for good; the photo stays queued
                log.exception("upload step failed")
                worked = False
            if worked:
                continue
            wait = self.queue.seconds_until_due(self.clock())
            self._wake.wait(timeout=None if wait is None else max(0.05, wait))
            self._wake.clear()

    def drain(self, max_steps: int = 1000) -> int:
        """Send every photo that is due now, inline; the number of photos taken through a step."""
        steps = 0
        while steps < max_steps and self.step():
            steps += 1
        return steps

    # one photo

    def step(self) -> bool:
        """Take the oldest due photo as far as it will go; False when no photo is due."""
        photo = self.queue.next_due(self.clock())
        if photo is None:
            return False
        try:
            self._advance(photo)
        except ApiError as error:
            self._handle(photo, error)
        self.on_change(photo.key)
        return True

    def _advance(self, photo: QueuedPhoto) -> None:
        key = photo.key
        if photo.state == PhotoState.CAPTURED or (
            photo.state in (PhotoState.SLOT, PhotoState.UPLOADING)
            and (photo.target is None or photo.target.expired(self.clock()))
        ):
            answer = self.transport.request_slot(photo)
            if answer.already_completed:
                self.queue.mark_completed(key, answer.photo_id)
                return
            if answer.already_uploaded:
                self.queue.set_slot(key, answer.photo_id, answer.target)
                self.queue.mark_uploaded(key)
            else:
                self.queue.set_slot(key, answer.photo_id, answer.target)
            photo = self._reload(key)
        if photo.state in (PhotoState.SLOT, PhotoState.UPLOADING):
            assert photo.target is not None
            self.queue.mark_uploading(key)
            self.on_change(key)

            def progress(sent: int, total: int) -> None:
                self.queue.record_progress(key, sent)
                self.on_change(key)

            self.transport.send(photo, photo.target, progress)
            self.queue.mark_uploaded(key)
            self.on_change(key)
            photo = self._reload(key)
        if photo.state == PhotoState.UPLOADED:
            status = self.transport.complete(photo)
            if status == PhotoStatus.READY:
                self.queue.mark_completed(key)
            else:
                self.queue.mark_checking(key, delay=FIRST_CHECK_SECONDS)
            return
        if photo.state == PhotoState.CHECKING:
            status = self.transport.status(photo)
            if status == PhotoStatus.READY:
                self.queue.mark_completed(key)
            else:  # still being checked: look again later, less and less often
                delay = backoff_delay(photo.attempts + 1, self.rng)
                self.queue.mark_checking(key, delay=delay, attempts=photo.attempts + 1)

    def _handle(self, photo: QueuedPhoto, error: ApiError) -> None:
        current = self._reload(photo.key)
        if error.code in DAMAGED_CODES and current.attempts + 1 >= MAX_DAMAGED_TRIES:
            log.warning("photo %s arrives damaged every time: %s", photo.key, error)
            self.queue.mark_failed(photo.key, code=error.code, text=error.patient_text)
        elif error.code in RESTART_CODES:
            # a fresh slot for the same key; the backend keeps it one photo
            delay = 0.0 if current.attempts == 0 else backoff_delay(current.attempts, self.rng)
            self.queue.restart(photo.key, delay=delay, code=error.code, text=error.patient_text)
        elif error.transient or error.status == 401:
            # 401: the clinic revoked this phone; not the photo's fault, it waits for the next enrolment
            delay = backoff_delay(current.attempts, self.rng, retry_after=error.retry_after)
            log.info("photo %s: %s, next try in %.0f s", photo.key, error.code, delay)
            self.queue.retry_later(photo.key, delay=delay, code=error.code, text=error.patient_text)
        else:
            log.warning("photo %s refused: %s", photo.key, error)
            self.queue.mark_failed(photo.key, code=error.code, text=error.patient_text)

    def _reload(self, key: str) -> QueuedPhoto:
        photo = self.queue.get(key)
        assert photo is not None
        return photo
