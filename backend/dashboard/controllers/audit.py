"""The audit log, for the clinic's admins: filtered by patient, staff member, action and days,
paged, and exported as CSV for the compliance officer (the export itself is audited)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from backend.audit_log import filters
from backend.audit_log import service as audit_log
from backend.auth.guards import admin_only
from backend.auth.step_up import fresh_second_factor
from backend.auth.principal import StaffPrincipal
from backend.dashboard import service
from backend.dashboard.pages import render, staff_of
from shared.errors import FollicleError

PER_PAGE = 50
Text = Annotated[str | None, QueryParameter(max_length=64)]


class AuditPagesController(Controller):
    path = "/audit"
    guards = [admin_only]

    @get("/", operation_id="DashboardAuditLog")
    async def audit_log(
        self,
        request: Request,
        patient: Text = None,
        record: Text = None,
        staff: Text = None,
        action: Text = None,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        principal = staff_of(request)
        clock = await service.clinic_clock(principal)
        typed = {
            "patient": patient or "", "record": record or "", "staff": staff or "", "action": action or "",
            "from": date_from or "", "to": date_to or "",
        }
        query = urlencode({k: v for k, v in typed.items() if v})
        try:
            where = filters.parse(
                patient=await _patient(principal, patient, record), staff=staff, action=action,
                date_from=date_from, date_to=date_to, tz=clock.tz,
            )
        except FollicleError as exc:
            data = await service.audit_log(principal, filters.AuditFilter(), clock=clock, offset=0, limit=0)
            return render("audit.html", request, status=400, data=data, typed=typed, problem=exc, where=None, page=1, pages=1, query=query)
        data = await service.audit_log(principal, where, clock=clock, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        pages = max(1, -(-data.events.total // PER_PAGE))
        return render("audit.html", request, data=data, typed=typed, problem=None, where=where, page=page, pages=pages, query=query)

    @get("/export.csv", operation_id="DashboardAuditExport", media_type="text/csv", guards=[fresh_second_factor])
    async def export_csv(
        self,
        request: Request,
        patient: Text = None,
        record: Text = None,
        staff: Text = None,
        action: Text = None,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
    ) -> Stream:
        """The filtered trail as CSV (UTC times); the export is itself an audit event."""
        principal = staff_of(request)
        clock = await service.clinic_clock(principal)
        where = filters.parse(
            patient=await _patient(principal, patient, record), staff=staff, action=action,
            date_from=date_from, date_to=date_to, tz=clock.tz,
        )
        rows = await audit_log.export_csv(principal, where)
        return Stream(
            rows,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="audit-{clock.today.isoformat()}.csv"',
                "Cache-Control": "no-store",
            },
        )


async def _patient(principal: StaffPrincipal, patient: str | None, record: str | None) -> str | None:
    """The patient filter: an id (from a link) or a record number (typed by the compliance officer)."""
    if patient or not (record and record.strip()):
        return patient
    return str(await service.patient_for_record(principal, record))
