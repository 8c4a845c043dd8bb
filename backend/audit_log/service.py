"""Reading the audit trail back: the clinic's events filtered, as a page and as CSV.

It sits above the features whose names it shows (staff members, patients' record numbers); the
writer, `backend.audit.service`, sits below them all."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC

from tortoise.expressions import Q

from backend.audit import service as audit
from backend.audit.models import AuditEvent
from backend.audit_log.filters import AuditFilter
from backend.auth.principal import StaffPrincipal
from backend.clinics.models import StaffUser
from backend.patients.models import Patient
from shared.contract.audit import AuditEventOut, AuditPage


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
    await audit.read(staff, "audit.export", patient_id=where.patient_id, subject=("clinic", staff.clinic_id), detail=where.as_detail())
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
