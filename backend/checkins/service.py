"""What the photo feature's services share (PhotoContext), and what a patient or staff member reads
of one photo or check-in. The upload protocol is in uploads.py, the timeline in timeline.py,
processing in jobs.py, the sweep in reconciler.py."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.checkins import keys
from backend.checkins.models import CheckIn, Photo
from backend.checkins.months import local_today
from backend.checkins.output import checkin_out, photo_out
from backend.clinics.models import Clinic
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.settings import Settings
from backend.storage import ObjectStore, StoreHealth
from shared.contract.checkins import CheckInOut, CheckInStatus, MyCheckIns, PhotoOut, PhotoStatus
from shared.errors import NotFound
from shared.schedule import checkin_month_for
from shared.views import DEFAULT_PROTOCOL

log = logging.getLogger(__name__)

PROCESS_TASK = "photos.process"


@dataclass(frozen=True)
class PhotoContext:
    """What the photo services need from the running app."""

    settings: Settings
    store: ObjectStore
    jobs: Any = None  # backend.jobs.JobRuntime; None where nothing is enqueued
    health: StoreHealth | None = None  # whether the store answered lately (per process)

    async def ensure_store_reachable(self) -> None:
        if self.health is not None:
            await self.health.ensure_reachable()
        else:
            await self.store.check()

    def store_worked(self, worked: bool) -> None:
        if self.health is not None:
            self.health.worked() if worked else self.health.failed()

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


async def own_photo(principal: PatientPrincipal, photo_id: uuid.UUID) -> tuple[Photo, CheckIn]:
    photo = await Photo.filter(id=photo_id, patient_id=principal.patient_id).select_related("checkin").first()
    if photo is None:
        raise NotFound("No such photo.")
    return photo, photo.checkin


# --- reading ----------------------------------------------------------------------------


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
