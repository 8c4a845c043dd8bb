from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from backend.api.params import Offset
from backend.audit import service
from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import admin_only
from shared.contract.audit import AuditPage


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]
    guards = [admin_only]
    dependencies = STAFF

    @get("/", operation_id="ListAuditEvents")
    async def list_events(
        self,
        staff: CurrentStaff,
        patient_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        offset: Offset = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> AuditPage:
        """The clinic's audit trail, newest first, filterable by patient, actor and action."""
        return await service.list_events(staff.clinic_id, patient_id=patient_id, action=action, offset=offset, limit=limit)
