"""Reading the processed renditions a record embeds: several at a time, each bounded in size, and a
photo that cannot be read is left out (the record says so) rather than failing the whole record."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable

from backend.photos import keys
from backend.records.history import PhotoRecord
from backend.storage import ObjectStore, ObjectTooLarge, StoreUnavailable

log = logging.getLogger(__name__)

MAX_RENDITION_BYTES = 16 * 1024 * 1024
CONCURRENT_READS = 8


async def read_renditions(
    store: ObjectStore, photos: Iterable[PhotoRecord], rendition: str
) -> dict[uuid.UUID, bytes]:
    """{photo id: JPEG bytes} of one rendition ("full", "preview", "thumb") of each photo.

    Raises StoreUnavailable only when the store cannot be reached at all (nothing could be read)."""
    wanted = list({p.id: p for p in photos}.values())
    gate = asyncio.Semaphore(CONCURRENT_READS)
    failures: list[BaseException] = []

    async def one(photo: PhotoRecord) -> tuple[uuid.UUID, bytes | None]:
        async with gate:
            try:
                found = await store.read(keys.rendition_key(photo.storage_token, rendition), max_bytes=MAX_RENDITION_BYTES)
            except (StoreUnavailable, ObjectTooLarge, OSError) as exc:
                failures.append(exc)
                log.warning("photo %s: %s rendition unreadable: %s", photo.id, rendition, exc)
                return photo.id, None
            return photo.id, found.data if found else None

    results = await asyncio.gather(*(one(p) for p in wanted))
    read = {photo_id: data for photo_id, data in results if data}
    if wanted and not read and any(isinstance(f, StoreUnavailable) for f in failures):
        raise StoreUnavailable("no photo could be read")
    return read
