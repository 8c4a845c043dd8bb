"""What a patient or staff member reads of one photo, and what deleting a patient removes from
the store. The upload protocol is in uploads.py, processing in processing.py, the sweep in
reconciler.py."""

from __future__ import annotations

import uuid

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins.models import CheckIn
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.photos import keys
from backend.photos.context import PhotoContext
from backend.photos.models import Photo
from backend.photos.output import photo_out
from backend.storage import ObjectStore
from shared.contract.checkins import PhotoOut, PhotoStatus
from shared.errors import NotFound


async def own_photo(principal: PatientPrincipal, photo_id: uuid.UUID) -> tuple[Photo, CheckIn]:
    photo = await Photo.filter(id=photo_id, patient_id=principal.patient_id).select_related("checkin").first()
    if photo is None:
        raise NotFound("No such photo.")
    return photo, photo.checkin


async def _with_urls(photo: Photo, checkin: CheckIn, ctx: PhotoContext) -> PhotoOut:
    if photo.status != PhotoStatus.READY:
        return photo_out(photo, checkin)
    ttl = ctx.settings.download_url_ttl_seconds
    names = ("thumb", "preview", "full")
    urls = await ctx.store.download_urls([keys.rendition_key(photo.storage_token, n) for n in names], expires_in=ttl)
    return photo_out(photo, checkin, urls=tuple(urls), urls_expire_at=ctx.store.urls_expire_at(ttl))  # type: ignore[arg-type]


async def my_photo(principal: PatientPrincipal, photo_id: uuid.UUID, ctx: PhotoContext) -> PhotoOut:
    photo, checkin = await own_photo(principal, photo_id)
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


# --- when an admin deletes the patient --------------------------------------------------------


async def _before_patient_delete(patient: Patient, actor: object = None):
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
