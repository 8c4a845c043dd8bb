"""The audit trail: who saw or changed what, when."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.contract.base import Response


class AuditEventOut(Response, kw_only=True):
    id: int
    at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    action: str
    subject_type: str
    subject_id: str
    patient_id: uuid.UUID | None
    detail: dict[str, object]
    address: str | None = None  # where the request came from (the client's IP address)


class AuditPage(Response, kw_only=True):
    items: list[AuditEventOut]
    total: int
    offset: int
    limit: int
