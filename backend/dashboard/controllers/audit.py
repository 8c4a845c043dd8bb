"""The audit log, for the clinic's admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from backend.auth.guards import admin_only
from backend.dashboard import service
from backend.dashboard.pages import render, staff_of

PER_PAGE = 50


class AuditPagesController(Controller):
    path = "/audit"
    guards = [admin_only]

    @get("/", operation_id="DashboardAuditLog")
    async def audit_log(
        self,
        request: Request,
        patient: Annotated[uuid.UUID | None, QueryParameter()] = None,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        data = await service.audit_log(
            staff_of(request), patient_id=patient, action=action or None, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        pages = max(1, -(-data.events.total // PER_PAGE))
        return render("audit.html", request, data=data, patient=patient, action=action or "", page=page, pages=pages)
