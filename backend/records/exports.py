"""The patient's own data as a ZIP: asked for from the phone, built by a job (never on the event
loop: files and the PDF in threads, photos streamed one at a time into a temporary file), kept in
the store for `export_keep_hours`, and fetched through a link that works once, for a few minutes.

A link is our own URL (`/exports/<token>`, the token's sha256 stored): redeeming it marks it used in
one conditional UPDATE, so two fetches of one link cannot both succeed, then redirects to a store
URL that lives for a minute.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import tempfile
import unicodedata
import uuid
import zipfile
from datetime import UTC, datetime, timedelta

import msgspec
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal
from backend.photos import keys
from backend.checkins import service as checkins
from backend.injections import service as injections
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.records import deletion, progress_report
from backend.records import history as histories
from backend.records.models import DataExport
from backend.records.pdf_kit import Paper
from backend.records.report_pdf import Audience
from backend.reports import questionnaires, side_effects
from backend.settings import Settings
from backend.storage import ObjectStore
from shared.contract.records import DataExportOut, DownloadLink, ExportState, PatientRecords
from shared.errors import Conflict, ErrorCode, Gone, NotFound

log = logging.getLogger(__name__)

BUILD_TASK = "records.build_export"
EXPORTS_PREFIX = "exports/"
FILENAME = "follicle-my-data.zip"
ZIP_TYPE = "application/zip"
FORMAT_VERSION = 1
# a ready ZIP this recent is handed out again rather than built anew
REUSE_READY_FOR = timedelta(hours=1)
STORE_URL_SECONDS = 60
_BUILD_FAILED = "We could not prepare your data this time. Please try again."
_STUCK = "Preparing your data took too long. Please try again."
_README = """Your data from {clinic}, as Follicle keeps it, exported on {day}.

records.json            your records in the same shapes the app reads them: your details and plan,
                        injection sessions, monthly check-ins and photos, side-effect reports,
                        self-assessments, and any request to delete your data
my-progress-report.pdf  your progress report
photos/                 every photo of yours the clinic holds, as stored after processing (without
                        the phone's location or other hidden details), by month and view

Your clinic holds this data as part of your care. To have it deleted, use "Ask my clinic to delete
my data" in the app's settings, or contact the clinic.
"""


def object_key(export: DataExport) -> str:
    return f"{EXPORTS_PREFIX}{export.storage_token}/{FILENAME}"


def export_out(export: DataExport) -> DataExportOut:
    return DataExportOut(
        id=export.id,
        state=ExportState(export.state),
        requested_at=export.requested_at,
        ready_at=export.ready_at,
        expires_at=export.expires_at,
        size=export.size,
        problem=export.problem,
    )


def _now() -> datetime:
    return datetime.now(UTC)


# --- the patient --------------------------------------------------------------------------------


async def request(principal: PatientPrincipal, jobs, now: datetime | None = None) -> tuple[DataExportOut, bool]:
    """Start building the patient's ZIP (True), or hand back one in progress or just made (False)."""
    now = now or _now()
    latest = await DataExport.filter(patient_id=principal.patient_id).order_by("-requested_at").first()
    if latest is not None and (
        latest.state in (ExportState.QUEUED, ExportState.BUILDING)
        or (latest.state == ExportState.READY and latest.ready_at and latest.ready_at > now - REUSE_READY_FOR)
    ):
        return export_out(latest), False
    async with in_transaction():
        export = await DataExport.create(
            patient_id=principal.patient_id, clinic_id=principal.clinic_id, storage_token=keys.new_token(), requested_at=now
        )
        await audit.record(principal, "data_export.request", "data_export", export.id, patient_id=principal.patient_id)
    if jobs is not None:
        await jobs.enqueue(BUILD_TASK, str(export.id))
    return export_out(export), True


async def latest(principal: PatientPrincipal) -> DataExportOut | None:
    export = await DataExport.filter(patient_id=principal.patient_id).order_by("-requested_at").first()
    return export_out(export) if export else None


async def issue_link(
    principal: PatientPrincipal, export_id: uuid.UUID, settings: Settings, now: datetime | None = None
) -> DownloadLink:
    """A new single-use link to a ready ZIP of the patient's (the previous link stops working)."""
    now = now or _now()
    export = await DataExport.filter(id=export_id, patient_id=principal.patient_id).first()
    if export is None:
        raise NotFound("You have no data export with this id.")
    if export.state == ExportState.EXPIRED or (export.expires_at and export.expires_at <= now):
        raise Gone("This copy of your data has been removed. Ask for a new one.", code=ErrorCode.EXPORT_EXPIRED)
    if export.state != ExportState.READY:
        raise Conflict("Your data is still being prepared.", code=ErrorCode.EXPORT_NOT_READY, details={"state": str(export.state)})
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=settings.export_link_ttl_seconds)
    patient = await Patient.get(id=principal.patient_id)
    await DataExport.filter(id=export.id).update(
        link_token_hash=_hash(token), link_expires_at=expires_at, link_used_at=None
    )
    return DownloadLink(
        url=f"{settings.public_url.rstrip('/')}/exports/{token}",
        expires_at=expires_at,
        filename=download_name(patient.display_name, export.ready_at or now),
        size=export.size or 0,
        sha256=export.sha256,
    )


def download_name(display_name: str, ready_at: datetime) -> str:
    """The file name a patient's copy is saved under: whose it is and when it was made, so two
    patients' downloads on one computer are told apart ("follicle-my-data-robin-hale-2026-12-07.zip")."""
    folded = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    who = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:40].strip("-") or "patient"
    return f"follicle-my-data-{who}-{ready_at:%Y-%m-%d}.zip"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def redeem_link(token: str, store: ObjectStore, now: datetime | None = None) -> str:
    """Use a link once: the store URL (valid a minute) of its ZIP. A link used before, expired, or
    unknown is refused with its own code, and nothing is served."""
    now = now or _now()
    digest = _hash(token[:200])
    async with in_transaction():
        won = await DataExport.filter(
            link_token_hash=digest, link_used_at=None, link_expires_at__gt=now, state=ExportState.READY
        ).update(link_used_at=now)
        export = await DataExport.filter(link_token_hash=digest).first()
        if export is None:
            raise NotFound("This download link is not valid.", code=ErrorCode.EXPORT_LINK_INVALID)
        if not won:
            if export.link_used_at is not None:
                raise Gone("This download link was already used. Ask the app for a new one.", code=ErrorCode.EXPORT_LINK_USED)
            if export.state != ExportState.READY:
                raise Gone("This copy of your data has been removed. Ask for a new one.", code=ErrorCode.EXPORT_EXPIRED)
            raise Gone("This download link has expired. Ask the app for a new one.", code=ErrorCode.EXPORT_LINK_EXPIRED)
        await audit.record(
            None, "data_export.download", "data_export", export.id,
            clinic_id=export.clinic_id, patient_id=export.patient_id,  # type: ignore[attr-defined]
            detail={"size": export.size},
        )
    return await store.download_url(object_key(export), expires_in=STORE_URL_SECONDS, content_type=ZIP_TYPE)


# --- the job ------------------------------------------------------------------------------------


async def build(export_id: uuid.UUID, *, store: ObjectStore, settings: Settings) -> ExportState | None:
    """Build one export's ZIP (once: the queued -> building step is a conditional UPDATE)."""
    now = _now()
    if not await DataExport.filter(id=export_id, state=ExportState.QUEUED).update(state=ExportState.BUILDING, started_at=now):
        current = await DataExport.filter(id=export_id).first()
        return ExportState(current.state) if current else None
    export = await DataExport.get(id=export_id)
    folder = tempfile.mkdtemp(prefix="follicle-export-")
    path = os.path.join(folder, FILENAME)
    try:
        size, digest = await _write_zip(export, path, store)
        await store.write_file(object_key(export), path, content_type=ZIP_TYPE)
    except Exception:
        log.exception("data export %s failed", export_id)
        await DataExport.filter(id=export_id, state=ExportState.BUILDING).update(state=ExportState.FAILED, problem=_BUILD_FAILED)
        await store.delete([object_key(export)])
        return ExportState.FAILED
    finally:
        await asyncio.to_thread(_remove, folder)
    ready = _now()
    await DataExport.filter(id=export_id, state=ExportState.BUILDING).update(
        state=ExportState.READY, size=size, sha256=digest, ready_at=ready,
        expires_at=ready + timedelta(hours=settings.export_keep_hours),
    )
    return ExportState.READY


def _remove(folder: str) -> None:
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


async def _write_zip(export: DataExport, path: str, store: ObjectStore) -> tuple[int, str]:
    principal = PatientPrincipal(patient_id=export.patient_id, clinic_id=export.clinic_id, device_id=uuid.UUID(int=0))  # type: ignore[attr-defined]
    history = await histories.load(principal.patient_id, clinic_id=principal.clinic_id)
    records = PatientRecords(
        exported_at=_now(),
        format_version=FORMAT_VERSION,
        patient=await patients.self_view(principal),
        injections=await injections.list_own(principal),
        checkins=await checkins.my_checkins(principal),
        side_effects=await side_effects.list_own(principal),
        questionnaires=await questionnaires.list_own(principal),
        deletion_request=(await deletion.mine(principal)).request,
    )
    pdf = await progress_report.build(history, store, audience=Audience.PATIENT, paper=Paper.A4)
    readme = _README.format(clinic=history.clinic_name, day=f"{records.exported_at:%d %B %Y}")
    archive = await asyncio.to_thread(zipfile.ZipFile, path, "w", zipfile.ZIP_DEFLATED)
    try:
        await asyncio.to_thread(archive.writestr, "README.txt", readme)
        await asyncio.to_thread(archive.writestr, "records.json", msgspec.json.format(msgspec.json.encode(records)))
        await asyncio.to_thread(archive.writestr, "my-progress-report.pdf", pdf, zipfile.ZIP_STORED)
        for photo in history.photos:  # streamed one at a time: any photo Follicle accepted fits, memory stays at a chunk
            name = f"photos/month-{photo.month:02d}/{photo.view}-{photo.captured_at:%Y-%m-%d}-{str(photo.id)[:8]}.jpg"
            entry = zipfile.ZipInfo(name, date_time=_zip_time(photo.captured_at, records.exported_at))
            entry.compress_type = zipfile.ZIP_STORED  # JPEGs do not shrink
            sink = await asyncio.to_thread(archive.open, entry, "w", force_zip64=True)
            try:
                copied = await store.copy_into(keys.rendition_key(photo.storage_token, "full"), sink)
            finally:
                await asyncio.to_thread(sink.close)
            if copied is None:
                raise FileNotFoundError(f"photo {photo.id} is missing from the store")
    finally:
        await asyncio.to_thread(archive.close)
    return await asyncio.to_thread(_size_and_sha256, path)


def _zip_time(captured_at: datetime, exported_at: datetime) -> tuple[int, int, int, int, int, int]:
    """A ZIP entry's time: when the photo was taken, or the export's time for a phone clock before
    1980 (the earliest a ZIP can say)."""
    moment = captured_at if captured_at.year >= 1980 else exported_at
    return moment.timetuple()[:6]  # type: ignore[return-value]


def _size_and_sha256(path: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return os.path.getsize(path), digest.hexdigest()


async def sweep(*, store: ObjectStore, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """Remove ZIPs past their keeping time, and fail builds stuck past `export_stuck_minutes`
    (a worker that died mid-build): the patient can ask again."""
    now = now or _now()
    expired = await DataExport.filter(state=ExportState.READY, expires_at__lte=now)
    if expired:
        await store.delete([object_key(e) for e in expired])
        await DataExport.filter(id__in=[e.id for e in expired], state=ExportState.READY).update(
            state=ExportState.EXPIRED, link_token_hash=None
        )
    stuck_before = now - timedelta(minutes=settings.export_stuck_minutes)
    stuck = await DataExport.filter(
        state__in=[ExportState.QUEUED, ExportState.BUILDING], requested_at__lt=stuck_before
    ).update(state=ExportState.FAILED, problem=_STUCK)
    return {"expired": len(expired), "stuck": stuck}


async def _before_patient_delete(patient, actor=None):
    """The patient's ZIPs go from the store with them, once the rows are gone."""
    tokens = await DataExport.filter(patient_id=patient.id).values_list("storage_token", flat=True)
    if not tokens:
        return None

    async def remove(store: ObjectStore | None) -> None:
        if store is not None:
            await store.delete([f"{EXPORTS_PREFIX}{token}/{FILENAME}" for token in tokens])

    return remove


if _before_patient_delete not in patients.DELETE_HOOKS:
    patients.DELETE_HOOKS.append(_before_patient_delete)
