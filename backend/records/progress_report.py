"""The progress report PDF as staff and patients ask for it: the history read once, the shown
photos read from the store, the PDF drawn in a thread, and the reading audited in the request."""

from __future__ import annotations

import asyncio
import uuid

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.records import history as histories
from backend.records.document import PDF, Document, safe_filename
from backend.records.history import PatientHistory
from backend.records.pdf_kit import Paper
from backend.records.photos import read_renditions
from backend.records.report_pdf import Audience, photo_pairs, render
from backend.storage import ObjectStore

# the photos shown beside each other: 1280 px on the long side is print quality at this size
SHOWN_RENDITION = "preview"


async def build(history: PatientHistory, store: ObjectStore, *, audience: Audience, paper: Paper) -> bytes:
    """The report for this history; drawing runs in a worker thread."""
    shown = [p for pair in photo_pairs(history) for p in (pair.first, pair.latest) if p is not None]
    photos = await read_renditions(store, shown, SHOWN_RENDITION)
    return await asyncio.to_thread(render, history, photos, audience=audience, paper=paper)


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, store: ObjectStore, paper: Paper) -> Document:
    """The clinic's copy (with product lots) of a patient of the caller's clinic; audited."""
    history = await histories.load(patient_id, clinic_id=principal.clinic_id)
    pdf = await build(history, store, audience=Audience.STAFF, paper=paper)
    await audit.record(
        principal, "record.report_pdf", "patient", patient_id, patient_id=patient_id,
        detail={"paper": paper.value, "photos": len(history.photos), "bytes": len(pdf)},
    )
    return Document(pdf, safe_filename("progress-report", history.record_number, suffix=".pdf"), PDF)


async def for_patient(principal: PatientPrincipal, store: ObjectStore, paper: Paper) -> Document:
    """The patient's own copy (no product lots); recorded in the audit trail as the patient's."""
    history = await histories.load(principal.patient_id, clinic_id=principal.clinic_id)
    pdf = await build(history, store, audience=Audience.PATIENT, paper=paper)
    await audit.record(
        principal, "record.report_pdf", "patient", principal.patient_id, patient_id=principal.patient_id,
        detail={"paper": paper.value, "bytes": len(pdf)},
    )
    return Document(pdf, "my-progress-report.pdf", PDF)
