"""Working a photo's coverage index out again, when the method changes or a clinician asks: from
the stored preview (the rendition processing measured), never the original (it is gone)."""

from __future__ import annotations

import asyncio
import io
import uuid

import msgspec
from PIL import Image
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.checkins.versions import bump_timeline
from backend.photos import keys
from backend.photos.context import PhotoContext
from backend.photos.models import Photo
from backend.ratings.rounds import require_clinical
from shared.contract.checkins import PhotoStatus
from shared.contract.coverage import CoverageOut, CoverageRecompute
from shared.coverage import METHODS, CoverageReading, coverage_index
from shared.errors import Conflict, ErrorCode, InvalidInput, NotFound

_PREVIEW_MAX_BYTES = 16 * 1024 * 1024


def _measure(data: bytes, view: str, method: str) -> CoverageReading:
    image = Image.open(io.BytesIO(data), formats=["JPEG"])
    image.load()
    return coverage_index(image, view, method=method)


def out_of(photo_id: uuid.UUID, view: str, reading: CoverageReading) -> CoverageOut:
    return CoverageOut(
        photo_id=photo_id, view=view, method=reading.method, value=reading.value, refusal=reading.refusal,
        message=reading.message,
    )


async def recompute(principal: StaffPrincipal, photo_id: uuid.UUID, request: CoverageRecompute, ctx: PhotoContext) -> CoverageOut:
    """The photo's index under `request.method`, stored in place of the old one (admins and
    clinicians of the photo's clinic; another clinic's photo is not found; audited)."""
    require_clinical(principal)
    if request.method not in METHODS:
        raise InvalidInput(
            f"There is no coverage method {request.method!r}: the methods are {', '.join(METHODS)}.",
            code=ErrorCode.COVERAGE_METHOD_UNKNOWN,
        )
    photo = await Photo.filter(id=photo_id, patient__clinic_id=principal.clinic_id).first()
    if photo is None:
        raise NotFound("No such photo in your clinic.")
    if photo.status != PhotoStatus.READY:
        raise Conflict("Only a ready photo has an index to work out.")
    stored = await ctx.store.read(keys.rendition_key(photo.storage_token, "preview"), max_bytes=_PREVIEW_MAX_BYTES)
    if stored is None:
        raise Conflict("The photo's preview is missing from the store.")
    reading = await asyncio.to_thread(_measure, stored.data, photo.view, request.method)
    async with in_transaction():
        await Photo.filter(id=photo.id).update(coverage=msgspec.to_builtins(reading))
        await bump_timeline(photo.patient_id)  # type: ignore[attr-defined]
        await audit.record(
            principal, "photo.coverage_recompute", "photo", photo.id, patient_id=photo.patient_id,  # type: ignore[attr-defined]
            detail={"method": reading.method, "value": reading.value, "refusal": reading.refusal},
        )
    return out_of(photo.id, photo.view, reading)


async def recompute_stale(store, method: str = METHODS[-1], *, batch: int = 200) -> int:
    """Work out again every ready photo's index not yet measured under `method` (after a method
    change, or for photos processed before the index existed), from their stored previews; how
    many were updated. One audit event per batch names the method and the count (an operator's
    action, no one's read). A missing preview is skipped, never a failure of the whole run."""
    if method not in METHODS:
        raise InvalidInput(f"There is no coverage method {method!r}.", code=ErrorCode.COVERAGE_METHOD_UNKNOWN)
    done = 0
    after = None
    while True:
        query = Photo.filter(status=PhotoStatus.READY).order_by("id").limit(batch)
        if after is not None:
            query = query.filter(id__gt=after)
        photos = await query.values_list("id", "patient_id", "view", "storage_token", "coverage")
        if not photos:
            return done
        after = photos[-1][0]
        updated = []
        for photo_id, patient_id, view, token, raw in photos:
            if isinstance(raw, dict) and raw.get("method") == method:
                continue
            stored = await store.read(keys.rendition_key(token, "preview"), max_bytes=_PREVIEW_MAX_BYTES)
            if stored is None:
                continue
            reading = await asyncio.to_thread(_measure, stored.data, view, method)
            updated.append((photo_id, patient_id, reading))
        if updated:
            async with in_transaction():
                for photo_id, patient_id, reading in updated:
                    await Photo.filter(id=photo_id).update(coverage=msgspec.to_builtins(reading))
                    await bump_timeline(patient_id)
                await audit.record(None, "photo.coverage_recompute", "photo", updated[0][0], detail={"method": method, "photos": len(updated)})
            done += len(updated)
