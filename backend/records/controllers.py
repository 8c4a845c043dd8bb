"""Records that leave Follicle: progress report PDFs, the FHIR export, the MedWatch summary, the
patient's own ZIP and their deletion request. Thin handlers: one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import patient_only, staff_only
from backend.records import fhir_export, progress_report
from backend.records.document import PDF, Document
from backend.records.fhir import FHIR_JSON
from backend.records.pdf_kit import Paper

PaperSize = Annotated[Paper, QueryParameter(description="a4 (default) or letter")]


def download(document: Document, *, inline: bool = False) -> Response[bytes]:
    """The file with the name to save it under; patient data is never kept by a browser or proxy."""
    disposition = "inline" if inline else "attachment"
    return Response(
        document.data,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{document.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _store(request: Request):
    return request.app.state.store


class StaffRecordsController(Controller):
    """Records of one patient for the clinic's staff; every one is audited."""

    tags = ["records"]
    guards = [staff_only]
    dependencies = STAFF

    @get(
        "/patients/{patient_id:uuid}/report.pdf",
        operation_id="GetPatientProgressReport",
        media_type=PDF,
        response_description="The progress report as a PDF (A4 or US Letter), with product lots.",
    )
    async def progress_report(
        self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], paper: PaperSize = Paper.A4
    ) -> Response[bytes]:
        """The clinic's copy of a patient's progress report: photos of each view (baseline beside the
        latest), blinded ratings, injection sessions with lots, side effects and the self-assessment.
        Any staff member of the patient's clinic may call it; the reading is audited."""
        return download(await progress_report.for_staff(staff, patient_id, _store(request), paper))

    @get(
        "/patients/{patient_id:uuid}/fhir",
        operation_id="ExportPatientFhirBundle",
        media_type=FHIR_JSON,
        response_description="A FHIR R4 Bundle (type collection), application/fhir+json; see docs/fhir.md.",
    )
    async def fhir_bundle(self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> Response[bytes]:
        """The patient's record as a FHIR R4 Bundle for the clinic's record system: Patient, Media per
        ready photo (with a short-lived link), Procedure and Medication (lot) per injection given,
        AdverseEvent per side-effect report, Questionnaire(Response)s and Observations of blinded
        ratings. Any staff member of the patient's clinic may call it; the export is audited."""
        return download(await fhir_export.for_staff(staff, patient_id, _store(request), request.app.state.settings))


class MyRecordsController(Controller):
    """The patient's own records, from their phone."""

    path = "/me"
    tags = ["me", "records"]
    guards = [patient_only]
    dependencies = PATIENT

    @get(
        "/report.pdf",
        operation_id="GetMyProgressReport",
        media_type=PDF,
        response_description="The patient's copy of their progress report as a PDF (no product lots).",
    )
    async def progress_report(self, request: Request, patient: CurrentPatient, paper: PaperSize = Paper.A4) -> Response[bytes]:
        """The enrolled patient's own progress report. Only the patient's phone may call it."""
        return download(await progress_report.for_patient(patient, _store(request), paper))
