"""Writing and reading the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from backend.audit.models import AuditEvent
from backend.auth.principal import Principal
from shared.contract.audit import AuditEventOut, AuditPage


async def record(
    actor: Principal | None,
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    clinic_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one audit event. Call it inside the transaction of the change it records."""
    await AuditEvent.create(
        clinic_id=clinic_id or (actor.clinic_id if actor else None),
        actor_kind=actor.actor_kind if actor else "system",
        actor_id=actor.actor_id if actor else None,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        patient_id=patient_id,
        detail=detail or {},
    )



async def list_events(
    clinic_id: uuid.UUID, *, patient_id: uuid.UUID | None, action: str | None, offset: int, limit: int
) -> AuditPage:
    query = AuditEvent.filter(clinic_id=clinic_id)
    if patient_id:
        query = query.filter(patient_id=patient_id)
    if action:
        query = query.filter(action=action)
    total = await query.count()
    events = await query.order_by("-at", "-id").offset(offset).limit(limit)
    return AuditPage(
        items=[
            AuditEventOut(
                id=e.id,
                at=e.at,
                actor_kind=e.actor_kind,
                actor_id=e.actor_id,
                action=e.action,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                patient_id=e.patient_id,
                detail=e.detail,
            )
            for e in events
        ],
        total=total,
        offset=offset,
        limit=limit,
    )
