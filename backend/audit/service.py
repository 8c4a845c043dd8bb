"""Writing the audit trail (reading it back is `backend.audit_log`).

`record` writes one event for a change (inside the change's transaction); `read` writes one event
for a staff member's read of health information. Either raises `AuditUnavailable` (503,
`audit_unavailable`) when the event cannot be written, so nothing is shown or changed unrecorded.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError, TransactionManagementError

from backend.audit.models import AuditEvent
from shared.errors import AuditUnavailable

if TYPE_CHECKING:  # an actor is any principal: this module sits below auth and imports none of it
    from backend.auth.principal import Principal, StaffPrincipal

log = logging.getLogger(__name__)


def _write_failures() -> tuple[type[BaseException], ...]:
    """What a failed insert into audit_event can raise: a missing table, a refusing trigger, a lost
    connection. Tortoise translates most driver errors; asyncpg's RAISE from a trigger it does not."""
    failures: list[type[BaseException]] = [
        OperationalError, IntegrityError, DBConnectionError, TransactionManagementError, OSError, sqlite3.Error
    ]
    try:
        import asyncpg
    except ImportError:  # an SQLite-only install
        pass
    else:
        failures += [asyncpg.PostgresError, asyncpg.InterfaceError]
    return tuple(failures)


_WRITE_FAILURES = _write_failures()
AUDIT_UNAVAILABLE_MESSAGE = (
    "The audit log cannot be written just now, so this was not shown or changed. Please retry in a moment."
)


async def record(
    actor: Principal | None,
    action: str,
    subject_type: str,
    subject_id: object,
    *,
    clinic_id: uuid.UUID | None = None,
    patient_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Add one audit event (one INSERT). Call it inside the transaction of the change it records.

    The address is the actor's (resolved once per request); pass `address` for events without an actor."""
    try:
        await AuditEvent.create(
            clinic_id=clinic_id or (actor.clinic_id if actor else None),
            actor_kind=actor.actor_kind if actor else "system",
            actor_id=actor.actor_id if actor else None,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            patient_id=patient_id,
            detail=detail or {},
            address=address or (actor.address if actor else None),
        )
    except _WRITE_FAILURES as exc:
        log.error("audit event %s could not be written: %s", action, exc)
        raise AuditUnavailable(AUDIT_UNAVAILABLE_MESSAGE, retry_after=5) from exc


async def read(
    staff: StaffPrincipal,
    action: str,
    *,
    patient_id: uuid.UUID | None = None,
    subject: tuple[str, object] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that `staff` read health information: one event, one INSERT, after the read and before
    the answer leaves. `patient_id` names the patient whose information was shown; a list over many
    patients passes no patient and its filter in `detail` (one event, never one per row).
    `subject` defaults to the patient, or to the clinic for a list."""
    if subject is None:
        subject = ("patient", patient_id) if patient_id is not None else ("clinic", staff.clinic_id)
    await record(staff, action, subject[0], subject[1], patient_id=patient_id, detail=detail)
