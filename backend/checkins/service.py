"""The upload protocol (slot, complete, status) and what a patient or staff member reads of one
photo or check-in. The timeline is in backend/checkins/timeline.py, processing in jobs.py."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins import keys
from backend.checkins.admission import admit_upload
from backend.checkins.models import CheckIn, Photo
from backend.checkins.months import latest_open_month, local_today
from backend.checkins.output import checkin_out, photo_out
from backend.clinics.models import Clinic
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.settings import Settings
from backend.storage import ObjectStore, ObjectTooLarge
from shared.contract.checkins import (
    PHOTO_CONTENT_TYPES,
    CheckInOut,
    CheckInStatus,
    MyCheckIns,
    PhotoOut,
    PhotoStatus,
    UploadSlot,
    UploadSlotRequest,
    UploadTarget,
)
from shared.errors import (
    Conflict,
    ErrorCode,
    FollicleError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMedia,
)
from shared.schedule import checkin_due_on, checkin_month_for
from shared.views import DEFAULT_PROTOCOL, require_view

log = logging.getLogger(__name__)

PROCESS_TASK = "photos.process"


@dataclass(frozen=True)
class PhotoContext:
    """What the photo services need from the running app."""

    settings: Settings
    store: ObjectStore
    jobs: Any = None  # backend.jobs.JobRuntime; None where nothing is enqueued

    async def enqueue_processing(self, photo_id: uuid.UUID) -> None:
        if self.jobs is not None:
            await self.jobs.enqueue(PROCESS_TASK, str(photo_id))


def utcnow() -> datetime:
    return datetime.now(UTC)


def protocol_of(clinic: Clinic) -> list[str]:
    """The clinic's photo views in capture order (all five when it chose none)."""
    return protocol_of_views(clinic.protocol_views)


def protocol_of_views(chosen_views: list[str] | None) -> list[str]:
    chosen = set(chosen_views or [])
    return [view.id.value for view in DEFAULT_PROTOCOL if not chosen or view.id in chosen]


# --- 1. the upload slot -----------------------------------------------------------------------


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

    patient = await Patient.get(id=principal.patient_id).select_related("clinic")
    checkin = await _checkin_for_upload(patient, data)
    token = keys.new_token()
    # the store must answer before a phone spends its data on an upload that cannot land
    await ctx.store.head(keys.upload_key(token))
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
            captured_at=data.captured_at,
            slot_issued_at=utcnow(),
            phone_metrics=_phone_metrics(data),
        )
    except IntegrityError:
        # the same key arrived twice at once: the other request made the photo
        existing = await _photo_by_key(principal.patient_id, data.idempotency_key)
        if existing is None:
            raise
        return await request_slot(principal, data, ctx)
    return await _slot_for(photo, checkin, ctx, probed=True)


def _phone_metrics(data: UploadSlotRequest) -> dict | None:
    import msgspec

    return msgspec.to_builtins(data.phone_quality) if data.phone_quality is not None else None


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


async def _slot_for(photo: Photo, checkin: CheckIn, ctx: PhotoContext, *, probed: bool = False) -> UploadSlot:
    upload: UploadTarget | None = None
    already = False
    if photo.status == PhotoStatus.PENDING:
        key = keys.upload_key(photo.storage_token)
        if not probed:
            found = await ctx.store.head(key)
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
            if not probed:
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


# --- 2. complete ---------------------------------------------------------------------------


async def _own_photo(principal: PatientPrincipal, photo_id: uuid.UUID) -> tuple[Photo, CheckIn]:
    photo = await Photo.filter(id=photo_id, patient_id=principal.patient_id).select_related("checkin").first()
    if photo is None:
        raise NotFound("No such photo.")
    return photo, photo.checkin


def _verify(data: bytes, photo: Photo, max_pixels: int) -> str:
    """Size, sha256, then what the bytes are (admission). Runs in a thread: it hashes megabytes."""
    if len(data) != photo.size:
        raise InvalidInput(
            "The photo arrived incomplete. It will be sent again.",
            code=ErrorCode.PHOTO_SIZE_MISMATCH,
            details={"expected": photo.size, "received": len(data)},
        )
    if hashlib.sha256(data).hexdigest() != photo.sha256:
        raise InvalidInput(
            "The photo changed on the way. It will be sent again.", code=ErrorCode.PHOTO_CHECKSUM_MISMATCH
        )
    return admit_upload(data, declared_type=photo.content_type, max_pixels=max_pixels)


async def complete(principal: PatientPrincipal, photo_id: uuid.UUID, ctx: PhotoContext) -> PhotoOut:
    """The phone says the bytes are in the store. Check them; a bad upload is refused with its code
    and nothing of it is kept. Calling it again answers the same photo."""
    photo, checkin = await _own_photo(principal, photo_id)
    if photo.status != PhotoStatus.PENDING:
        return photo_out(photo, checkin)
    key = keys.upload_key(photo.storage_token)
    try:
        stored = await ctx.store.read(key, max_bytes=ctx.settings.max_photo_bytes)
    except ObjectTooLarge as too_large:
        await discard(photo, ctx.store)
        raise PayloadTooLarge(
            "This photo is too large. Please take it again with the app's camera.",
            code=ErrorCode.PHOTO_TOO_LARGE,
            details={"size": too_large.size, "max_bytes": ctx.settings.max_photo_bytes},
        ) from None
    if stored is None:
        raise Conflict(
            "The photo has not arrived yet. It will be sent again.", code=ErrorCode.PHOTO_NOT_UPLOADED
        )
    try:
        source_type = await asyncio.to_thread(_verify, stored.data, photo, ctx.settings.max_photo_pixels)
    except FollicleError:
        await discard(photo, ctx.store)
        raise
    now = utcnow()
    won = await Photo.filter(id=photo.id, status=PhotoStatus.PENDING).update(
        status=PhotoStatus.UPLOADED, uploaded_at=now, source_type=source_type
    )
    if won:
        await ctx.enqueue_processing(photo.id)
    await photo.refresh_from_db()
    return photo_out(photo, checkin)


async def discard(photo: Photo, store: ObjectStore) -> None:
    """Forget a refused upload: its row (and its check-in, if nothing else is in it) and its object."""
    checkin_id = photo.checkin_id  # type: ignore[attr-defined]
    async with in_transaction():
        await Photo.filter(id=photo.id).delete()
        if not await Photo.filter(checkin_id=checkin_id).exists():
            await CheckIn.filter(id=checkin_id, status=CheckInStatus.OPEN).delete()
    try:
        await store.delete(keys.all_keys(photo.storage_token))
    except FollicleError:
        log.warning("photo %s: object not deleted now; the reconciler will remove it", photo.id)


# --- 3. reading ----------------------------------------------------------------------------


async def _with_urls(photo: Photo, checkin: CheckIn, ctx: PhotoContext) -> PhotoOut:
    if photo.status != PhotoStatus.READY:
        return photo_out(photo, checkin)
    ttl = ctx.settings.download_url_ttl_seconds
    names = ("thumb", "preview", "full")
    urls = await ctx.store.download_urls([keys.rendition_key(photo.storage_token, n) for n in names], expires_in=ttl)
    return photo_out(photo, checkin, urls=tuple(urls), urls_expire_at=ctx.store.urls_expire_at(ttl))  # type: ignore[arg-type]


async def my_photo(principal: PatientPrincipal, photo_id: uuid.UUID, ctx: PhotoContext) -> PhotoOut:
    photo, checkin = await _own_photo(principal, photo_id)
    return await _with_urls(photo, checkin, ctx)


async def staff_photo(principal: StaffPrincipal, photo_id: uuid.UUID, ctx: PhotoContext) -> PhotoOut:
    """One photo with its links, for staff of the patient's clinic; the view is audited."""
    photo = (
        await Photo.filter(id=photo_id, patient__clinic_id=principal.clinic_id).select_related("checkin").first()
    )
    if photo is None:
        raise NotFound("No such photo in your clinic.")
    await audit.record(
        principal, "photo.view", "photo", photo.id, patient_id=photo.patient_id,  # type: ignore[attr-defined]
        detail={"view": photo.view, "month": photo.checkin.month},
    )
    return await _with_urls(photo, photo.checkin, ctx)


async def _checkins_of(patient_id: uuid.UUID) -> list[CheckInOut]:
    checkins = await CheckIn.filter(patient_id=patient_id).order_by("month")
    photos = await Photo.filter(patient_id=patient_id)
    by_checkin: dict[uuid.UUID, list[Photo]] = {}
    for photo in photos:
        by_checkin.setdefault(photo.checkin_id, []).append(photo)  # type: ignore[attr-defined]
    return [checkin_out(c, by_checkin.get(c.id, [])) for c in checkins]


async def my_checkins(principal: PatientPrincipal) -> MyCheckIns:
    patient = await Patient.get(id=principal.patient_id).select_related("clinic")
    items = await _checkins_of(patient.id)
    return MyCheckIns(
        baseline_date=patient.baseline_date,
        protocol_views=protocol_of(patient.clinic),
        current_month=checkin_month_for(patient.baseline_date, local_today(patient.timezone)),
        completed_months=[c.month for c in items if c.status == CheckInStatus.COMPLETE],
        items=items,
    )


async def patient_checkins(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[CheckInOut]:
    patient = await patients.get_for_staff(principal, patient_id)
    return await _checkins_of(patient.id)


# --- when an admin deletes the patient --------------------------------------------------------


async def _before_patient_delete(patient: Patient):
    """Inside the delete transaction: note the patient's objects (the rows go with the patient);
    the returned step deletes them from the store once the transaction has committed."""
    tokens = await Photo.filter(patient_id=patient.id).values_list("storage_token", flat=True)
    if not tokens:
        return None

    async def remove_objects(store: ObjectStore | None) -> None:
        if store is None:
            return
        await store.delete([key for token in tokens for key in keys.all_keys(str(token))])

    return remove_objects


if _before_patient_delete not in patients.DELETE_HOOKS:
    patients.DELETE_HOOKS.append(_before_patient_delete)
