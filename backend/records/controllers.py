"""Records that leave Follicle: progress report PDFs, the FHIR export, the MedWatch summary, the
patient's own ZIP and their deletion request. Thin handlers: one service call each."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import clinical_staff, patient_only, staff_only
from backend.records import alert_emails, deletion, exports, fhir_export, medwatch, progress_report  # noqa: F401 - alert_emails registers its hook
from backend.records.document import PDF, Document
from backend.records.fhir import FHIR_JSON
from backend.records.pdf_kit import Paper
from shared.contract.records import DataExportOut, DeletionRequestOut, DownloadLink, MyDeletionRequest
from shared.errors import ErrorCode, NotFound

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
        errors=(ErrorCode.STORE_UNAVAILABLE,),
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


    @get(
        "/side-effects/{report_id:uuid}/medwatch.pdf",
        operation_id="GetSideEffectMedWatchSummary",
        media_type=PDF,
        guards=[clinical_staff],
        response_description="The FDA Form 3500 fields of the report as a PDF (US Letter), for the clinic to file.",
    )
    async def medwatch_summary(self, staff: CurrentStaff, report_id: FromPath[uuid.UUID]) -> Response[bytes]:
        """A MedWatch-ready summary of one side-effect report (patient identifier, event, dates,
        outcome, suspect product with lot, treating clinic; what Follicle does not record is left to
        fill in). Clinicians and admins of the report's clinic may call it; the reading is audited."""
        return download(await medwatch.for_staff(staff, report_id))


    @get("/patients/{patient_id:uuid}/deletion-request", operation_id="GetPatientDeletionRequest")
    async def deletion_request(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> MyDeletionRequest:
        """Whether a patient of the caller's clinic has asked for their data to be deleted (an admin
        completes it with DELETE /patients/{patient_id}). Any staff member of the clinic may call it."""
        return MyDeletionRequest(request=await deletion.for_staff(staff, patient_id, must_exist=True))


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
        errors=(ErrorCode.STORE_UNAVAILABLE,),
    )
    async def progress_report(self, request: Request, patient: CurrentPatient, paper: PaperSize = Paper.A4) -> Response[bytes]:
        """The enrolled patient's own progress report. Only the patient's phone may call it."""
        return download(await progress_report.for_patient(patient, _store(request), paper))

    @post(
        "/data-export",
        operation_id="RequestMyDataExport",
        status_code=HTTP_202_ACCEPTED,
        responses={HTTP_200_OK: ResponseSpec(DataExportOut, description="The export in progress, or made within the last hour.")},
    )
    async def request_export(self, request: Request, patient: CurrentPatient) -> Response[DataExportOut]:
        """Ask for a ZIP of all the patient's own data (processed photos, records.json in the API's
        shapes, the progress report PDF). 202 when a new one is being prepared; 200 with the one in
        progress, or made within the last hour. Only the patient's phone may call it."""
        export, created = await exports.request(patient, getattr(request.app.state, "jobs", None))
        return Response(export, status_code=HTTP_202_ACCEPTED if created else HTTP_200_OK)

    @get("/data-export", operation_id="GetMyDataExport", errors=(ErrorCode.NOT_FOUND,))
    async def latest_export(self, patient: CurrentPatient) -> DataExportOut:
        """The patient's latest data export and its state (404 before the first request). Only the
        patient's phone may call it."""
        export = await exports.latest(patient)
        if export is None:
            raise NotFound("You have not asked for a copy of your data yet.")
        return export

    @post(
        "/data-export/{export_id:uuid}/link",
        operation_id="CreateMyDataExportLink",
        status_code=HTTP_200_OK,
        errors=(ErrorCode.EXPORT_NOT_READY, ErrorCode.EXPORT_EXPIRED),
    )
    async def export_link(self, request: Request, patient: CurrentPatient, export_id: FromPath[uuid.UUID]) -> DownloadLink:
        """A link that downloads the ready ZIP once, within `export_link_ttl_seconds` (a new link
        ends the previous one). 409 export_not_ready while it is being built, 410 export_expired
        once removed. Only the patient's phone may call it."""
        return await exports.issue_link(patient, export_id, request.app.state.settings)

    @post(
        "/deletion-request",
        operation_id="RequestMyDataDeletion",
        status_code=HTTP_201_CREATED,
        responses={HTTP_200_OK: ResponseSpec(DeletionRequestOut, description="The request already made (there is only one).")},
    )
    async def ask_deletion(self, patient: CurrentPatient) -> Response[DeletionRequestOut]:
        """Ask the clinic to delete all the patient's data: 201 the first time, 200 with the same
        request after that (there is only ever one). Staff see it on the patient's page and in the
        patient list and complete it by deleting the patient. Only the patient's phone may call it."""
        asked, created = await deletion.ask(patient)
        return Response(asked, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/deletion-request", operation_id="GetMyDataDeletionRequest")
    async def my_deletion(self, patient: CurrentPatient) -> MyDeletionRequest:
        """Whether the patient has asked for their data to be deleted. Only the patient's phone may call it."""
        return await deletion.mine(patient)


class ExportDownloadController(Controller):
    """The single-use download link of a patient's ZIP: the token in the path is the credential."""

    tags = ["records"]

    @get(
        "/exports/{token:str}",
        operation_id="DownloadDataExport",
        status_code=303,
        response_description="A redirect (303) to the ZIP (application/zip) in the store, valid for a minute.",
        errors=(
            ErrorCode.EXPORT_LINK_INVALID,
            ErrorCode.EXPORT_LINK_EXPIRED,
            ErrorCode.EXPORT_LINK_USED,
            ErrorCode.EXPORT_EXPIRED,
            ErrorCode.STORE_UNAVAILABLE,
        ),
        public=True,
    )
    async def download(self, request: Request, token: FromPath[str]) -> Redirect:
        """Fetch a patient's ZIP with the link the app was given: works once, before it expires
        (410 export_link_used / export_link_expired after; 404 export_link_invalid for an unknown
        link). Anyone holding the link may call it, once; no sign-in, as a browser or phone downloads it."""
        url = await exports.redeem_link(token, _store(request))
        return Redirect(url, status_code=303, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
