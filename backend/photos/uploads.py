"""The upload protocol: the slot (where to send the bytes) and complete (check what arrived).

The same idempotency key always means the same photo; a refused upload leaves no row and no object.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import msgspec
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.auth.principal import PatientPrincipal
from backend.checkins.models import CheckIn
from backend.checkins.months import latest_open_month
from backend.checkins.protocol import protocol_of
from backend.checkins.versions import bump_timeline
from backend.imaging.admission import HEAD_BYTES, admit_head
from backend.patients.models import Patient
from backend.photos import keys
from backend.photos.context import PhotoContext
from backend.photos.models import Photo
from backend.photos.output import photo_out
from backend.photos.service import own_photo
from backend.settings import Settings
from backend.storage import ObjectStore, StoredObject, StoreUnavailable
from shared.contract.checkins import (
    PHOTO_CONTENT_TYPES,
    CheckInStatus,
    PhotoOut,
    PhotoStatus,
    UploadSlot,
    UploadSlotRequest,
    UploadTarget,
)
from shared.clock import local_today, utcnow
from shared.errors import (
    Conflict,
    ErrorCode,
    FollicleError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMedia,
)
from shared.schedule import checkin_due_on
from shared.views import require_view

log = logging.getLogger(__name__)


# --- the upload slot -----------------------------------------------------------------------


def _check_declared(data: UploadSlotRequest, settings: Settings) -> tuple[str, str]:
    """Refuse what can be refused from the request alone; the normalised (content type, sha256)."""
    content_type = data.content_type.strip().lower()
    if data.size == 0:
        raise InvalidInput("This photo is empty. Please take it again.", code=ErrorCode.PHOTO_EMPTY)
    if data.size > settings.max_photo_bytes:
        raise PayloadTooLarge(
            "This photo is too large to send. Please take it again with the app's camera.",
            code=ErrorCode.PHOTO_TOO_LARGE,
            details={"size": data.size, "max_bytes": settings.max_photo_bytes},
        )
    if content_type not in PHOTO_CONTENT_TYPES:
        raise UnsupportedMedia(
            "Photos must be JPEG, PNG, WebP or HEIC.",
            code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            details={"accepted": list(PHOTO_CONTENT_TYPES)},
        )
    if (data.checkin_month is None) == (data.checkin_id is None):
        raise InvalidInput("Give either checkin_month or checkin_id.")
    return content_type, data.sha256.lower()


def _same_photo(photo: Photo, checkin: CheckIn, data: UploadSlotRequest, content_type: str, sha256: str) -> bool:
    month_matches = data.checkin_month is None or data.checkin_month == checkin.month
    id_matches = data.checkin_id is None or data.checkin_id == checkin.id
    return (
        month_matches
        and id_matches
        and photo.view == data.view
        and photo.sha256 == sha256
        and photo.size == data.size
        and photo.content_type == content_type
    )


async def request_slot(principal: PatientPrincipal, data: UploadSlotRequest, ctx: PhotoContext) -> UploadSlot:
    """Where to send one photo's bytes. The same idempotency key always answers with the same
    photo: a repeated request gets a fresh upload URL for it (or none if the bytes are in)."""
    content_type, sha256 = _check_declared(data, ctx.settings)
    existing = await _photo_by_key(principal.patient_id, data.idempotency_key)
    if existing is not None:
        photo, checkin = existing
        if not _same_photo(photo, checkin, data, content_type, sha256):
            raise Conflict(
                "This photo's key was already used for a different photo.", code=ErrorCode.IDEMPOTENCY_CONFLICT
            )
        return await _slot_for(photo, checkin, ctx)

    # the store must answer before a phone spends its data on an upload that cannot land
    await ctx.ensure_store_reachable()
    patient = await Patient.get(id=principal.patient_id).select_related("clinic")
    checkin = await _checkin_for_upload(patient, data)
    token = keys.new_token()
    try:
        photo = await Photo.create(
            patient_id=patient.id,
            checkin_id=checkin.id,
            view=data.view,
            idempotency_key=data.idempotency_key,
            storage_token=token,
            content_type=content_type,
            sha256=sha256,
            size=data.size,
            captured_at=_aware(data.captured_at),
            slot_issued_at=utcnow(),
            phone_metrics=_phone_metrics(data),
        )
    except IntegrityError:
        # the same key arrived twice at once: the other request made the photo
        existing = await _photo_by_key(principal.patient_id, data.idempotency_key)
        if existing is None:
            raise
        return await request_slot(principal, data, ctx)
    await bump_timeline(patient.id)
    return await _slot_for(photo, checkin, ctx, new=True)


def _phone_metrics(data: UploadSlotRequest) -> dict | None:
    return msgspec.to_builtins(data.phone_quality) if data.phone_quality is not None else None


def _aware(moment: datetime) -> datetime:
    """A capture time without a zone is taken as UTC (phones send UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _photo_by_key(patient_id: uuid.UUID, key: uuid.UUID) -> tuple[Photo, CheckIn] | None:
    photo = await Photo.filter(patient_id=patient_id, idempotency_key=key).select_related("checkin").first()
    return (photo, photo.checkin) if photo is not None else None


async def _checkin_for_upload(patient: Patient, data: UploadSlotRequest) -> CheckIn:
    if data.checkin_id is not None:
        checkin = await CheckIn.filter(id=data.checkin_id, patient_id=patient.id).first()
        if checkin is None:
            raise NotFound("No such check-in.")
        require_view(data.view, checkin.views)
        return checkin
    month = data.checkin_month
    assert month is not None
    checkin = await CheckIn.filter(patient_id=patient.id, month=month).first()
    if checkin is not None:
        require_view(data.view, checkin.views)
        return checkin
    views = protocol_of(patient.clinic)
    require_view(data.view, views)
    latest = latest_open_month(patient.baseline_date, local_today(patient.timezone))
    if month > latest:
        raise Conflict(
            "This month's photo check-in has not started yet.",
            code=ErrorCode.INVALID_STATE,
            details={"month": month, "latest_open_month": latest},
        )
    try:
        return await CheckIn.create(
            patient_id=patient.id,
            month=month,
            due_on=checkin_due_on(patient.baseline_date, month),
            views=views,
        )
    except IntegrityError:
        return await CheckIn.get(patient_id=patient.id, month=month)


async def _slot_for(photo: Photo, checkin: CheckIn, ctx: PhotoContext, *, new: bool = False) -> UploadSlot:
    upload: UploadTarget | None = None
    already = False
    if photo.status == PhotoStatus.PENDING:
        key = keys.upload_key(photo.storage_token)
        if not new:  # a retry: the bytes may have landed before the app was stopped
            try:
                found = await ctx.store.head(key)
            except StoreUnavailable:
                ctx.store_worked(False)
                raise
            ctx.store_worked(True)
            already = found is not None and found.size == photo.size
        if not already:
            target = await ctx.store.upload_target(
                key,
                size=photo.size,
                content_type=photo.content_type,
                sha256_hex=photo.sha256,
                expires_in=ctx.settings.upload_url_ttl_seconds,
            )
            upload = UploadTarget(
                method=target.method, url=target.url, headers=target.headers, fields=target.fields,
                expires_at=target.expires_at,
            )
            if not new:
                await Photo.filter(id=photo.id).update(slot_issued_at=utcnow())
    return UploadSlot(
        photo_id=photo.id,
        checkin_id=checkin.id,
        checkin_month=checkin.month,
        view=photo.view,
        status=PhotoStatus(photo.status),
        upload=upload,
        already_uploaded=already,
    )


async def slot_open(key: str) -> bool:
    """Whether an upload to `key` is still wanted: its photo exists and waits for its bytes (the
    embedded store's upload route asks before it keeps any; a deleted patient's slot is closed)."""
    token = keys.token_of(key)
    if token is None or not key.startswith(keys.UPLOADS_PREFIX):
        return False
    return await Photo.filter(storage_token=token, status=PhotoStatus.PENDING).exists()


# --- complete ---------------------------------------------------------------------------


async def complete(principal: PatientPrincipal, photo_id: uuid.UUID, ctx: PhotoContext) -> PhotoOut:
    """The phone says the bytes are in the store. Check what is cheap without them: the object is
    there, its size (and the store's own checksum where it keeps one), and its first 64 kB (real
    type, header size against the pixel limit). A bad upload is refused with its code and nothing
    of it is kept; a good one is queued for processing, which reads it whole once. Calling it
    again answers the same photo, and queues its processing again if the job was lost."""
    photo, checkin = await own_photo(principal, photo_id)
    if photo.status == PhotoStatus.UPLOADED:
        # the phone asks again: the job may have died with the process that had it
        await ctx.resume_processing(photo.id)
    if photo.status != PhotoStatus.PENDING:
        return photo_out(photo, checkin)
    try:
        head = await ctx.store.read_head(keys.upload_key(photo.storage_token), max_bytes=HEAD_BYTES)
    except StoreUnavailable:
        ctx.store_worked(False)
        raise
    ctx.store_worked(True)
    if head is None:
        raise Conflict(
            "The photo has not arrived yet. It will be sent again.", code=ErrorCode.PHOTO_NOT_UPLOADED
        )
    try:
        source_type = _admit(head, photo, ctx.settings)
    except FollicleError:
        await discard(photo, ctx.store)
        raise
    now = utcnow()
    won = await Photo.filter(id=photo.id, status=PhotoStatus.PENDING).update(
        status=PhotoStatus.UPLOADED, uploaded_at=now, source_type=source_type
    )
    if won:
        await bump_timeline(principal.patient_id)
        await ctx.enqueue_processing(photo.id)
        photo.status, photo.uploaded_at, photo.source_type = PhotoStatus.UPLOADED, now, source_type
    else:  # a concurrent complete got there first: answer what it made
        await photo.refresh_from_db()
    return photo_out(photo, checkin)


def _admit(head: StoredObject, photo: Photo, settings: Settings) -> str:
    """Size and the store's checksum against what the phone declared, then the first bytes."""
    size = head.info.size
    if size > settings.max_photo_bytes:
        raise PayloadTooLarge(
            "This photo is too large. Please take it again with the app's camera.",
            code=ErrorCode.PHOTO_TOO_LARGE,
            details={"size": size, "max_bytes": settings.max_photo_bytes},
        )
    if size != photo.size:
        raise InvalidInput(
            "The photo arrived incomplete. It will be sent again.",
            code=ErrorCode.PHOTO_SIZE_MISMATCH,
            details={"expected": photo.size, "received": size},
        )
    if head.info.sha256 is not None and head.info.sha256 != photo.sha256:
        raise InvalidInput(
            "The photo changed on the way. It will be sent again.", code=ErrorCode.PHOTO_CHECKSUM_MISMATCH
        )
    return admit_head(head.data, size=size, declared_type=photo.content_type, max_pixels=settings.max_photo_pixels)


async def discard(photo: Photo, store: ObjectStore) -> None:
    """Forget a refused upload: its row (and its check-in, if nothing else is in it) and its object."""
    checkin_id = photo.checkin_id  # type: ignore[attr-defined]
    async with in_transaction():
        await Photo.filter(id=photo.id).delete()
        if not await Photo.filter(checkin_id=checkin_id).exists():
            await CheckIn.filter(id=checkin_id, status=CheckInStatus.OPEN).delete()
        await bump_timeline(photo.patient_id)  # type: ignore[attr-defined]
    try:
        await store.delete(keys.all_keys(photo.storage_token))
    except FollicleError:
        log.warning("photo %s: object not deleted now; the reconciler will remove it", photo.id)
