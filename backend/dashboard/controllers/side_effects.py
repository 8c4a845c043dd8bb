"""The side-effect inbox: every report of the clinic (serious unacknowledged ones first), one report
with its acknowledgement and notes, and acknowledging or annotating from there or the patient page.

Clinicians and admins review reports; the front desk sees how many wait, never what they say."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from backend.auth.guards import clinical_staff
from backend.dashboard import forms, service
from backend.dashboard.inbox_query import SEVERITY_CHOICES, InboxQuery
from backend.dashboard.pages import render, staff_of
from shared.contract.auth import StaffRole
from shared.contract.patients import Treatment
from shared.contract.reports import ReportAnnotationCreate
from shared.errors import InvalidInput

PER_PAGE = 25
Field = Annotated[str | None, QueryParameter(max_length=64)]
Page = Annotated[int, QueryParameter(ge=1, le=100_000)]


def _back_to(sent_next: str, report_id: uuid.UUID, patient_id: uuid.UUID) -> str:
    """Back to the report's own page when the form came from there, else to the patient page."""
    own_page = f"/dashboard/side-effects/{report_id}"
    if sent_next == own_page:
        return own_page
    return f"/dashboard/patients/{patient_id}#report-{report_id}"


class SideEffectPagesController(Controller):
    path = "/side-effects"

    @get("/", operation_id="DashboardSideEffectInbox")
    async def inbox(
        self,
        request: Request,
        lot: Field = None,
        treatment: Field = None,
        severity: Field = None,
        serious: Field = None,
        acknowledged: Field = None,
        reported_from: Field = None,
        reported_to: Field = None,
        page: Page = 1,
    ) -> Template:
        staff = staff_of(request)
        if staff.role == StaffRole.FRONT_DESK:
            # the counts come with every page (the layout's); the reports stay with clinicians
            return render("side_effects/count_only.html", request)
        query = InboxQuery.of(
            lot=lot, treatment=treatment, severity=severity, serious=serious, acknowledged=acknowledged,
            reported_from=reported_from, reported_to=reported_to,
        )
        data = await service.side_effect_inbox(staff, query.filters(), page=page, per_page=PER_PAGE)
        return render(
            "side_effects/inbox.html", request, data=data, query=query, treatments=list(Treatment),
            severities=SEVERITY_CHOICES,
        )

    @get("/{report_id:uuid}", operation_id="DashboardSideEffectReport", guards=[clinical_staff])
    async def report(self, request: Request, report_id: FromPath[uuid.UUID]) -> Template:
        """One report with its acknowledgement and notes (where the inbox and alert emails link)."""
        data = await service.side_effect_report(staff_of(request), report_id)
        return render("side_effects/report.html", request, data=data)

    @post("/{report_id:uuid}/acknowledge", operation_id="DashboardAcknowledgeSideEffect", guards=[clinical_staff])
    async def acknowledge(self, request: Request, report_id: FromPath[uuid.UUID]) -> Redirect:
        form = await request.form()
        report = await service.acknowledge_report(staff_of(request), report_id)
        return Redirect(_back_to(forms.text(form, "next"), report.id, report.patient_id), status_code=303)

    @post("/{report_id:uuid}/annotations", operation_id="DashboardAnnotateSideEffect", guards=[clinical_staff])
    async def annotate(self, request: Request, report_id: FromPath[uuid.UUID]) -> Redirect:
        form = await request.form()
        try:
            note = msgspec.convert({"text": forms.text(form, "text")}, ReportAnnotationCreate)
        except msgspec.ValidationError:
            raise InvalidInput("Write a note of up to 4000 characters.") from None
        report = await service.annotate_report(staff_of(request), report_id, note)
        return Redirect(_back_to(forms.text(form, "next"), report.id, report.patient_id), status_code=303)
