"""Writing and reading the audit trail.

`record` writes one event for a change (inside the change's transaction); `read` writes one event
for a staff member's read of health information. Either raises `AuditUnavailable` (503,
`audit_unavailable`) when the event cannot be written, so nothing is shown or changed unrecorded.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

from tortoise.expressions import Q
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError, TransactionManagementError

from backend.audit.filters import AuditFilter
from backend.audit.models import AuditEvent
from backend.clinics.models import StaffUser
from backend.patients.models import Patient
from backend.auth.principal import Principal, StaffPrincipal
from shared.contract.audit import AuditEventOut, AuditPage
from shared.errors import AuditUnavailable

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


def _query(clinic_id: uuid.UUID, where: AuditFilter):
    query = AuditEvent.filter(clinic_id=clinic_id)
    if where.patient_id:
        query = query.filter(patient_id=where.patient_id)
    if where.staff_id:
        # a sign-in is recorded before there is an actor: the staff member is its subject
        query = query.filter(
            Q(actor_id=where.staff_id) | Q(actor_id__isnull=True, subject_type="staff", subject_id=str(where.staff_id))
        )
    if where.action:
        query = query.filter(action=where.action)
    if where.since:
        query = query.filter(at__gte=where.since)
    if where.until:
        query = query.filter(at__lt=where.until)
    return query


def event_out(e: AuditEvent) -> AuditEventOut:
    return AuditEventOut(
        id=e.id,
        at=e.at,
        actor_kind=e.actor_kind,
        actor_id=e.actor_id,
        action=e.action,
        subject_type=e.subject_type,
        subject_id=e.subject_id,
        patient_id=e.patient_id,
        detail=e.detail,
        address=e.address,
    )


async def list_events(clinic_id: uuid.UUID, where: AuditFilter, *, offset: int, limit: int) -> AuditPage:
    query = _query(clinic_id, where)
    total = await query.count()
    events = await query.order_by("-at", "-id").offset(offset).limit(limit)
    return AuditPage(items=[event_out(e) for e in events], total=total, offset=offset, limit=limit)


CSV_COLUMNS = (
    "at_utc", "actor_kind", "actor_id", "actor_name", "action", "patient_id", "patient_record_number",
    "subject_type", "subject_id", "address", "detail",
)
_CSV_BATCH = 1000
# a cell a spreadsheet would run as a formula is written as text
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def export_csv(staff: StaffPrincipal, where: AuditFilter) -> AsyncIterator[str]:
    """The filtered trail as CSV, newest first, for the clinic's compliance officer. The export is
    audited (`audit.export`, with its filter) before the first byte is produced, so a failed audit
    write refuses it whole; rows are then read in batches of a thousand."""
    await read(staff, "audit.export", patient_id=where.patient_id, subject=("clinic", staff.clinic_id), detail=where.as_detail())
    return _csv_rows(staff.clinic_id, where)


async def _csv_rows(clinic_id: uuid.UUID, where: AuditFilter) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield _drain(buffer)
    before: int | None = None
    while True:
        query = _query(clinic_id, where)
        if before is not None:
            query = query.filter(id__lt=before)
        batch = await query.order_by("-id").limit(_CSV_BATCH)
        if not batch:
            return
        actors = {e.actor_id for e in batch if e.actor_id} | {_as_uuid(e.subject_id) for e in batch if e.subject_type == "staff"}
        names = dict(await StaffUser.filter(clinic_id=clinic_id, id__in=[a for a in actors if a]).values_list("id", "name")) if actors else {}
        patients = {e.patient_id for e in batch if e.patient_id}
        numbers = (
            dict(await Patient.filter(clinic_id=clinic_id, id__in=list(patients)).values_list("id", "record_number"))
            if patients
            else {}
        )
        for e in batch:
            who = e.actor_id if e.actor_kind == "staff" else (_as_uuid(e.subject_id) if e.subject_type == "staff" else None)
            writer.writerow([
                _cell(value)
                for value in (
                    e.at.astimezone(UTC).isoformat(), e.actor_kind, e.actor_id, names.get(who, "") if who else "", e.action,
                    e.patient_id, numbers.get(e.patient_id, "") if e.patient_id else "", e.subject_type,
                    e.subject_id, e.address, json.dumps(e.detail, sort_keys=True, ensure_ascii=False, default=str),
                )
            ])
        yield _drain(buffer)
        before = batch[-1].id


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
