"""Before/after images for marketing: made from two ready photos of one view of one patient, both
under a live marketing consent, composed in a thread (`composition.py`), kept in the store under a
random token, and served only while that consent still covers both photos. Making and serving
each is an audited use of the consent."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

import anyio
from PIL import Image
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import Clinic
from backend.imaging.drawing import upright
from backend.marketing import composition
from backend.marketing.models import BeforeAfterImage
from backend.marketing.service import covers, image_key, live_consents
from backend.patients import service as patients
from backend.photos import keys
from backend.photos.models import Photo
from backend.storage import ObjectStore
from shared.contract.checkins import PhotoStatus
from shared.contract.marketing import BeforeAfterCreate, BeforeAfterOut
from shared.errors import Conflict, ErrorCode, InvalidInput, NotFound

MAX_PHOTO_BYTES = 40 * 1024 * 1024
MAX_IMAGE_BYTES = 20 * 1024 * 1024
NO_CONSENT = (
    "These photos are not under a live marketing consent from the patient (never given, expired or "
    "withdrawn), so no before/after image can be made or shown."
)


def image_out(image: BeforeAfterImage, url_prefix: str = "") -> BeforeAfterOut:
    return BeforeAfterOut(
        id=image.id, patient_id=image.patient_id, view=image.view, layout=image.layout,  # type: ignore[attr-defined,arg-type]
        after_label=image.after_label, content_type=image.content_type, size=image.size, created_at=image.created_at,
        image_url=f"{url_prefix}/before-after/{image.id}/image",
    )


async def _refuse_without_consent(patient_id: uuid.UUID, photo_ids: list[uuid.UUID], now: datetime) -> None:
    consents = await live_consents(patient_id, now)
    if not all(covers(consents, p) for p in photo_ids):
        raise Conflict(NO_CONSENT, code=ErrorCode.NO_MARKETING_CONSENT)


async def make(
    principal: StaffPrincipal, patient_id: uuid.UUID, data: BeforeAfterCreate, *, store: ObjectStore, now: datetime,
    url_prefix: str = "",
) -> BeforeAfterOut:
    patient = await patients.get_for_staff(principal, patient_id)
    photos = {
        p.id: p
        for p in await Photo.filter(id__in=[data.before_photo_id, data.after_photo_id], patient_id=patient.id).select_related("checkin")
    }
    before, after = photos.get(data.before_photo_id), photos.get(data.after_photo_id)
    if before is None or after is None:
        raise NotFound("No such photo of this patient.")
    if before.id == after.id or before.view != after.view or before.status != PhotoStatus.READY or after.status != PhotoStatus.READY:
        raise InvalidInput("Choose two different ready photos of the same view.", code=ErrorCode.PHOTOS_NOT_COMPARABLE)
    if after.checkin.month <= before.checkin.month:
        raise InvalidInput("The after photo must come from a later check-in than the before photo.", code=ErrorCode.PHOTOS_NOT_COMPARABLE)
    await _refuse_without_consent(patient.id, [before.id, after.id], now)
    first, second = await _read(store, before), await _read(store, after)
    clinic = await Clinic.get(id=principal.clinic_id)
    label = composition.after_label(after.checkin.month - before.checkin.month)
    composed = await anyio.to_thread.run_sync(
        lambda: composition.compose(_open(first), _open(second), after_text=label, watermark=clinic.name, layout=data.layout)
    )
    token = secrets.token_hex(16)
    await store.write(image_key(token, composed.content_type), composed.data, content_type=composed.content_type)
    try:
        async with in_transaction():
            # consent checked again inside the transaction: a withdrawal meanwhile wins
            await _refuse_without_consent(patient.id, [before.id, after.id], now)
            image = await BeforeAfterImage.create(
                clinic_id=principal.clinic_id, patient_id=patient.id, before_photo_id=before.id, after_photo_id=after.id,
                view=before.view, layout=data.layout, after_label=label, storage_token=token,
                content_type=composed.content_type, size=len(composed.data), created_by_id=principal.staff_id,
            )
            await audit.record(
                principal, "marketing.before_after_create", "before_after_image", image.id, patient_id=patient.id,
                detail={"view": before.view, "layout": data.layout, "photos": [str(before.id), str(after.id)]},
            )
    except BaseException:
        await store.delete([image_key(token, composed.content_type)])  # nothing stored when refused
        raise
    return image_out(image, url_prefix)


async def _read(store: ObjectStore, photo: Photo) -> bytes:
    stored = await store.read(keys.rendition_key(photo.storage_token, "full"), max_bytes=MAX_PHOTO_BYTES)
    if stored is None:
        raise NotFound("A photo's picture is missing from the store.")
    return stored.data


def _open(data: bytes) -> Image.Image:
    return upright(data)  # a photo taken turned carries its orientation tag: applied here


async def images_of(principal: StaffPrincipal, patient_id: uuid.UUID, url_prefix: str = "") -> list[BeforeAfterOut]:
    rows = await BeforeAfterImage.filter(patient_id=patient_id, clinic_id=principal.clinic_id).order_by("-created_at")
    return [image_out(r, url_prefix) for r in rows]


async def image_bytes(principal: StaffPrincipal, image_id: uuid.UUID, *, store: ObjectStore, now: datetime) -> tuple[bytes, str]:
    """The saved image, while the consent still covers both its photos (its export is audited)."""
    image = await BeforeAfterImage.filter(id=image_id, clinic_id=principal.clinic_id).first()
    if image is None:
        raise NotFound("No such before/after image (a withdrawn consent deletes them).")
    await _refuse_without_consent(image.patient_id, [image.before_photo_id, image.after_photo_id], now)  # type: ignore[attr-defined]
    stored = await store.read(image_key(image.storage_token, image.content_type), max_bytes=MAX_IMAGE_BYTES)
    if stored is None:
        raise NotFound("No such before/after image.")
    await audit.read(
        principal, "marketing.before_after_export", patient_id=image.patient_id,  # type: ignore[attr-defined]
        subject=("before_after_image", image.id),
    )
    return stored.data, image.content_type


async def photos_by_view(principal: StaffPrincipal, patient_id: uuid.UUID) -> dict[str, list[Photo]]:
    """The patient's ready photos per view, oldest check-in first: what a before/after is picked from."""
    await patients.get_for_staff(principal, patient_id)
    rows = await Photo.filter(patient_id=patient_id, status=PhotoStatus.READY).select_related("checkin").order_by("captured_at")
    found: dict[str, list[Photo]] = {}
    for photo in rows:
        found.setdefault(photo.view, []).append(photo)
    return found
