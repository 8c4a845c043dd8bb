"""Photo processing, as a background job: from the checked upload to a clean, upright JPEG with
thumbnails and quality metrics, marked ready; or rejected with words the patient understands.

Idempotent, keyed by the photo: a photo already ready or rejected is skipped, the renditions
have fixed keys (writing them twice writes the same thing), and the status moves from
"uploaded" to "ready" in one conditional update, so a job run twice (a worker killed mid-job,
a redelivered message, the sweep re-queueing it) still processes the photo once. The uploaded
original, which carries the phone's metadata (GPS), is deleted after the photo is committed.

The bytes are read here, once, and every whole-file check happens here (complete read 64 kB).
A refusal keeps the code and the patient's words on the photo, tells `PhotoRefused` in the same
transaction (the reminders outbox writes a retake push) and deletes every object of the photo.
The decode waits for room in the process's decode budget (budget.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid

import msgspec
from tortoise.transactions import in_transaction

from backend.checkins.models import CheckIn
from backend.checkins.service import complete_if_done
from backend.checkins.versions import bump_timeline
from backend.imaging import ProcessedPhoto, decode_cost, process_photo
from backend.patients.changes import PhotoRefused, tell
from backend.photos import keys
from backend.photos.budget import DecodeBudget
from backend.photos.models import Photo
from backend.settings import Settings
from backend.storage import ObjectStore
from shared.clock import utcnow
from shared.contract.checkins import PhotoStatus
from shared.errors import ErrorCode, FollicleError

log = logging.getLogger(__name__)

_THUMB_MAX_BYTES = 4 * 1024 * 1024
_LOST = "The photo did not arrive complete. Please take it again."


async def process(
    photo_id: uuid.UUID, *, store: ObjectStore, settings: Settings, budget: DecodeBudget | None = None
) -> PhotoStatus | None:
    """Process one uploaded photo; the status it ends in (None if the photo is gone). Its decode
    waits for room in `budget`, this process's decoded pixels in flight."""
    photo = await Photo.filter(id=photo_id).first()
    if photo is None:
        return None
    upload = keys.upload_key(photo.storage_token)
    if photo.status in (PhotoStatus.READY, PhotoStatus.REJECTED):
        await store.delete([upload])  # a run interrupted after its commit: finish the clean-up
        return PhotoStatus(photo.status)
    if photo.status != PhotoStatus.UPLOADED:
        return PhotoStatus(photo.status)  # complete has not accepted the bytes

    stored = await store.read(upload, max_bytes=settings.max_photo_bytes)
    if stored is None:
        return await _reject(photo, ErrorCode.PHOTO_NOT_UPLOADED, _LOST, store)
    if len(stored.data) != photo.size or await asyncio.to_thread(_sha256, stored.data) != photo.sha256:
        return await _reject(photo, ErrorCode.PHOTO_CHECKSUM_MISMATCH, _LOST, store)
    previous = await _previous_thumbnail(photo, store)
    own_budget = budget is None
    budget = budget or DecodeBudget(settings.decode_budget_pixels, threads=1)
    cost = decode_cost(stored.data, max_pixels=settings.max_photo_pixels)
    try:
        async with budget.hold(cost):
            result: ProcessedPhoto = await budget.run(
                process_photo,
                stored.data,
                max_pixels=settings.max_photo_pixels,
                previous_thumbnail=previous,
                view=photo.view,
            )
    except FollicleError as refused:
        return await _reject(photo, refused.code, refused.message, store)
    finally:
        if own_budget:
            budget.close()
    del stored

    token = photo.storage_token
    digests = await asyncio.to_thread(_digests, result.image_jpeg)
    await asyncio.gather(
        store.write(keys.rendition_key(token, "full"), result.image_jpeg, content_type=result.content_type),
        *(
            store.write(keys.rendition_key(token, name), data, content_type=result.content_type)
            for name, data in result.thumbnails.items()
        ),
    )
    async with in_transaction():
        won = await Photo.filter(id=photo.id, status=PhotoStatus.UPLOADED).update(
            status=PhotoStatus.READY,
            width=result.width,
            height=result.height,
            stored_size=len(result.image_jpeg),
            stored_sha256=digests[0],
            stored_sha1=digests[1],
            metrics=msgspec.to_builtins(result.metrics),
            coverage=msgspec.to_builtins(result.coverage) if result.coverage is not None else None,
            processed_at=utcnow(),
        )
        if won:
            await bump_timeline(photo.patient_id)  # type: ignore[attr-defined]
            await complete_if_done(photo.checkin_id)  # type: ignore[attr-defined]
    await store.delete([upload])
    return PhotoStatus.READY


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digests(data: bytes) -> tuple[str, str]:
    """sha256 and SHA-1 of the stored photo: exports name what a download link serves (FHIR uses SHA-1)."""
    return hashlib.sha256(data).hexdigest(), hashlib.sha1(data, usedforsecurity=False).hexdigest()


async def _reject(photo: Photo, code: str, message: str, store: ObjectStore) -> PhotoStatus:
    """Refuse the photo for good: its status carries the reason in the patient's words, the
    patient is asked to retake it (a push through the reminders outbox, in the same transaction),
    and its bytes leave the store."""
    now = utcnow()
    async with in_transaction():
        won = await Photo.filter(id=photo.id, status=PhotoStatus.UPLOADED).update(
            status=PhotoStatus.REJECTED, rejection_code=str(code), rejection_message=message[:300], processed_at=now
        )
        if won:
            month = await CheckIn.filter(id=photo.checkin_id).values_list("month", flat=True)  # type: ignore[attr-defined]
            await bump_timeline(photo.patient_id)  # type: ignore[attr-defined]
            await tell(PhotoRefused(photo.patient_id, photo.id, month[0] if month else 0, now))  # type: ignore[attr-defined]
    if not won:  # another run finished this photo first: its outcome stands
        current = await Photo.filter(id=photo.id).first()
        return PhotoStatus(current.status) if current else PhotoStatus.REJECTED
    await store.delete(keys.all_keys(photo.storage_token))
    log.info("photo %s rejected: %s", photo.id, code)
    return PhotoStatus.REJECTED


async def _previous_thumbnail(photo: Photo, store: ObjectStore) -> bytes | None:
    """The stored thumbnail of the patient's last ready photo of the same view, for similarity."""
    previous = (
        await Photo.filter(
            patient_id=photo.patient_id,  # type: ignore[attr-defined]
            view=photo.view,
            status=PhotoStatus.READY,
            captured_at__lt=photo.captured_at,
        )
        .order_by("-captured_at")
        .limit(1)
        .values_list("storage_token", flat=True)
    )
    if not previous:
        return None
    previous = previous[0]
    try:
        found = await store.read(keys.rendition_key(str(previous), "thumb"), max_bytes=_THUMB_MAX_BYTES)
    except Exception:  # noqa: BLE001 - a missing comparison must not hold up a new photo
        log.warning("photo %s: previous thumbnail unreadable", photo.id)
        return None
    return found.data if found else None
