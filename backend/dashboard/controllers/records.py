"""Records from the dashboard: the progress report PDF and FHIR export of a patient, the MedWatch
summary of a side-effect report, and an admin's deletion of a patient (which completes the
patient's deletion request). The report itself is shown by the side-effect pages."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect

from backend.auth.guards import admin_only, clinical_staff
from backend.dashboard import forms
from backend.dashboard.pages import staff_of
from backend.patients import service as patients
from backend.records import fhir_export, medwatch, progress_report
from backend.records.controllers import download
from backend.records.pdf_kit import Paper
from shared.errors import InvalidInput


class RecordPagesController(Controller):
    @get("/patients/{patient_id:uuid}/report.pdf", operation_id="DashboardProgressReport")
    async def progress_report(
        self, request: Request, patient_id: FromPath[uuid.UUID], paper: Annotated[Paper, QueryParameter()] = Paper.A4
    ) -> Response[bytes]:
        return download(await progress_report.for_staff(staff_of(request), patient_id, request.app.state.store, paper))

    @get("/patients/{patient_id:uuid}/fhir.json", operation_id="DashboardFhirExport")
    async def fhir_bundle(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Response[bytes]:
        staff = staff_of(request)
        return download(await fhir_export.for_staff(staff, patient_id, request.app.state.store, request.app.state.settings))

    @post("/patients/{patient_id:uuid}/delete", operation_id="DashboardDeletePatient", guards=[admin_only])
    async def delete_patient(self, request: Request, patient_id: FromPath[uuid.UUID]) -> Redirect:
        """An admin deletes the patient and everything of theirs, typing the record number to confirm."""
        staff = staff_of(request)
        patient = await patients.record_for_staff(staff, patient_id)
        form = await request.form()
        if forms.text(form, "confirm_record_number").strip() != patient.record_number:
            raise InvalidInput("Type the patient's record number exactly to confirm the deletion. Nothing was deleted.")
        await patients.delete(staff, patient_id, store=request.app.state.store)
        return Redirect("/dashboard/patients?deleted=1", status_code=303)

    @get("/side-effects/{report_id:uuid}/medwatch.pdf", operation_id="DashboardMedWatchSummary", guards=[clinical_staff])
    async def medwatch_summary(self, request: Request, report_id: FromPath[uuid.UUID]) -> Response[bytes]:
        return download(await medwatch.for_staff(staff_of(request), report_id))
