from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from backend.api.params import Offset
from backend.audit_log import filters, service
from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import admin_only
from backend.clinics import service as clinics
from shared.contract.audit import AuditPage
from shared.errors import ErrorCode


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]
    guards = [admin_only]
    dependencies = STAFF

    @get("/", operation_id="ListAuditEvents", errors=(ErrorCode.FILTER_VALUE_UNKNOWN, ErrorCode.DATE_RANGE_BACKWARDS))
    async def list_events(
        self,
        staff: CurrentStaff,
        patient_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        staff_id: Annotated[uuid.UUID | None, QueryParameter(description="Events by this staff member.")] = None,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        date_from: Annotated[date | None, QueryParameter(name="from", description="First day, in the clinic's timezone.")] = None,
        date_to: Annotated[date | None, QueryParameter(name="to", description="Last day (included), in the clinic's timezone.")] = None,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> AuditPage:
        """The clinic's audit trail, newest first (admins only)."""
        clinic = await clinics.get_clinic(staff)
        where = filters.build(
            patient_id=patient_id, staff_id=staff_id, action=action, date_from=date_from, date_to=date_to, tz=clinic.timezone
        )
        return await service.list_events(staff.clinic_id, where, offset=offset, limit=limit)
