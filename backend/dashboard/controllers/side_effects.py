"""Acknowledging and annotating a patient's side-effect reports (clinicians and admins)."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Controller, Request, post
from litestar.params import FromPath
from litestar.response import Redirect

from backend.auth.guards import clinical_staff
from backend.dashboard import forms, service
from backend.dashboard.pages import staff_of
from shared.contract.reports import ReportAnnotationCreate
from shared.errors import InvalidInput


class SideEffectPagesController(Controller):
    path = "/side-effects"
    guards = [clinical_staff]

    @post("/{report_id:uuid}/acknowledge", operation_id="DashboardAcknowledgeSideEffect")
    async def acknowledge(self, request: Request, report_id: FromPath[uuid.UUID]) -> Redirect:
        report = await service.acknowledge_report(staff_of(request), report_id)
        return Redirect(f"/dashboard/patients/{report.patient_id}#report-{report.id}", status_code=303)

    @post("/{report_id:uuid}/annotations", operation_id="DashboardAnnotateSideEffect")
    async def annotate(self, request: Request, report_id: FromPath[uuid.UUID]) -> Redirect:
        form = await request.form()
        try:
            note = msgspec.convert({"text": forms.text(form, "text")}, ReportAnnotationCreate)
        except msgspec.ValidationError:
            raise InvalidInput("Write a note of up to 4000 characters.") from None
        report = await service.annotate_report(staff_of(request), report_id, note)
        return Redirect(f"/dashboard/patients/{report.patient_id}#report-{report.id}", status_code=303)
