"""The photo sweep: nothing half-done stays behind.

- photos whose bytes were accepted but whose processing never finished (a worker died, a job
  was lost) are queued again; processing is idempotent, so this never processes one twice;
- uploads never completed: after `abandoned_upload_hours` without a new slot, the row and any
  bytes that did arrive are removed (the phone asks again with the same key if it comes back);
- objects with no photo row (a refused upload whose delete failed, a deleted patient whose
  objects could not all be removed at once) and originals of finished photos are deleted.

Safe to run in several processes at once: every step is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from backend.checkins.models import CheckIn
from backend.checkins.versions import bump_timeline
from backend.photos import keys
from backend.photos.context import PROCESS_TASK
from backend.photos.models import Photo
from backend.photos.processing import process
from backend.settings import Settings
from backend.storage import ObjectInfo, ObjectStore
from shared.contract.checkins import CheckInStatus, PhotoStatus
from shared.errors import FollicleError

log = logging.getLogger(__name__)

_PAGE = 1000
# uploads may still land for this long after their row was refused (their URL was still valid)
_ORPHAN_GRACE = timedelta(minutes=10)
# a stored rendition is wanted only while its photo is being processed or ready
_RENDITION_KEEP = {PhotoStatus.UPLOADED, PhotoStatus.READY}
# an original upload is wanted only until it is processed
_UPLOAD_KEEP = {PhotoStatus.PENDING, PhotoStatus.UPLOADED}


@dataclass
class SweepReport:
    requeued: int = 0
    abandoned: int = 0
    objects_deleted: int = 0


async def sweep(*, store: ObjectStore, settings: Settings, jobs: Any = None, now: datetime | None = None) -> SweepReport:
    now = now or datetime.now(UTC)
    report = SweepReport()
    report.requeued = await requeue_stuck(settings=settings, jobs=jobs, store=store, now=now)
    report.abandoned = await remove_abandoned(store=store, settings=settings, now=now)
    report.objects_deleted = await remove_orphan_objects(store=store, settings=settings, now=now)
    if report.requeued or report.abandoned or report.objects_deleted:
        log.info("photo sweep: %s", report)
    return report


async def requeue_stuck(*, settings: Settings, jobs: Any, store: ObjectStore, now: datetime) -> int:
    cutoff = now - timedelta(minutes=settings.photo_stuck_minutes)
    stuck = await Photo.filter(status=PhotoStatus.UPLOADED, uploaded_at__lt=cutoff).values_list("id", flat=True)
    for photo_id in stuck:
        if jobs is not None:
            await jobs.enqueue(PROCESS_TASK, str(photo_id))
        else:
            await process(photo_id, store=store, settings=settings)  # type: ignore[arg-type]
    return len(stuck)


async def remove_abandoned(*, store: ObjectStore, settings: Settings, now: datetime) -> int:
    cutoff = now - timedelta(hours=settings.abandoned_upload_hours)
    rows = await Photo.filter(status=PhotoStatus.PENDING, slot_issued_at__lt=cutoff).values_list(
        "id", "storage_token", "checkin_id", "patient_id"
    )
    if not rows:
        return 0
    try:
        await store.delete([keys.upload_key(token) for _, token, _, _ in rows])
    except FollicleError:
        log.warning("photo sweep: store unavailable; abandoned uploads stay until the next round")
        return 0
    ids = [photo_id for photo_id, _, _, _ in rows]
    checkin_ids = {checkin_id for _, _, checkin_id, _ in rows}
    async with in_transaction():
        await Photo.filter(id__in=ids, status=PhotoStatus.PENDING).delete()
        still_used = set(await Photo.filter(checkin_id__in=checkin_ids).values_list("checkin_id", flat=True))
        empty = checkin_ids - still_used
        if empty:
            await CheckIn.filter(id__in=empty, status=CheckInStatus.OPEN).delete()
        await bump_timeline({patient_id for _, _, _, patient_id in rows})
    return len(ids)


async def remove_orphan_objects(*, store: ObjectStore, settings: Settings, now: datetime) -> int:
    cutoff = now - timedelta(seconds=settings.upload_url_ttl_seconds) - _ORPHAN_GRACE
    deleted = 0
    for prefix in (keys.UPLOADS_PREFIX, keys.PHOTOS_PREFIX):
        page: list[ObjectInfo] = []
        async for info in store.list(prefix):
            page.append(info)
            if len(page) >= _PAGE:
                deleted += await _remove_unwanted(page, store, cutoff)
                page = []
        if page:
            deleted += await _remove_unwanted(page, store, cutoff)
    return deleted


async def _remove_unwanted(page: list[ObjectInfo], store: ObjectStore, cutoff: datetime) -> int:
    old = [info for info in page if info.last_modified is None or info.last_modified < cutoff]
    tokens = {keys.token_of(info.key) for info in old} - {None}
    status_of = dict(await Photo.filter(storage_token__in=list(tokens)).values_list("storage_token", "status"))
    unwanted = []
    for info in old:
        token = keys.token_of(info.key)
        status = status_of.get(token) if token else None
        if token is None:
            continue  # not a photo's object: none of our business
        keep = _UPLOAD_KEEP if info.key.startswith(keys.UPLOADS_PREFIX) else _RENDITION_KEEP
        if status is None or PhotoStatus(status) not in keep:
            unwanted.append(info.key)
    if unwanted:
        await store.delete(unwanted)
    return len(unwanted)
