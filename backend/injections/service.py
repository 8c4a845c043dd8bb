"""Injection sessions of a clinic's patients: schedule, record, find by lot."""

from __future__ import annotations

import uuid
from decimal import Decimal
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.injections.models import InjectionSession
from backend.patients import service as patients
from backend.patients.changes import ScheduleChanged, tell
from shared.contract.auth import StaffRole
from shared.contract.injections import (
    InjectionCreate,
    InjectionOut,
    InjectionUpdate,
    PatientInjectionOut,
    SessionStatus,
)
from shared.errors import Forbidden, InvalidInput, NotFound

# what only clinicians may record: the clinical detail of what was given
CLINICAL_FIELDS = {"lot_number", "volume_ml", "notes", "product"}


def injection_out(session: InjectionSession) -> InjectionOut:
    return InjectionOut(
        id=session.id,
        patient_id=session.patient_id,  # type: ignore[attr-defined]
        status=SessionStatus(session.status),
        scheduled_at=session.scheduled_at,
        performed_at=session.performed_at,
        treatment=session.treatment,
        product=session.product,
        lot_number=session.lot_number,
        volume_ml=float(session.volume_ml) if session.volume_ml is not None else None,
        areas=list(session.areas),
        notes=session.notes,
        created_at=session.created_at,
        updated_at=session.updated_at,
    )


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("Times must include a timezone offset, e.g. 2026-05-01T10:00:00+01:00.")
    return moment.astimezone(UTC)


def _millilitres(volume: float | None) -> Decimal | None:
    return None if volume is None else Decimal(str(round(volume, 2)))


def _check_role(principal: StaffPrincipal, values: dict[str, object]) -> None:
    clinical = {k for k, v in values.items() if k in CLINICAL_FIELDS and v not in (None, "")}
    if values.get("status") == SessionStatus.DONE:
        clinical.add("status")
    if clinical and principal.role == StaffRole.FRONT_DESK:
        raise Forbidden("Only clinicians can record what was injected.")


async def create(principal: StaffPrincipal, patient_id: uuid.UUID, data: InjectionCreate) -> InjectionOut:
    patient = await patients.get_for_staff(principal, patient_id)
    values = {
        "status": data.status,
        "scheduled_at": _aware(data.scheduled_at),
        "treatment": data.treatment,
        "product": data.product,
        "lot_number": data.lot_number.strip(),
        "volume_ml": _millilitres(data.volume_ml),
        "areas": [str(a) for a in data.areas],
        "notes": data.notes,
    }
    _check_role(principal, values)
    if data.status == SessionStatus.DONE:
        values["performed_at"] = values["scheduled_at"]
    async with in_transaction():
        session = await InjectionSession.create(
            patient=patient, clinic_id=principal.clinic_id, recorded_by_id=principal.staff_id, **values
        )
        await audit.record(
            principal, "injection.create", "injection_session", session.id, patient_id=patient.id,
            detail={"status": str(data.status), "lot_number": session.lot_number},
        )
        await tell(ScheduleChanged(patient.id))
    return injection_out(session)


async def get_for_staff(principal: StaffPrincipal, session_id: uuid.UUID) -> InjectionSession:
    session = await InjectionSession.filter(id=session_id, clinic_id=principal.clinic_id).first()
    if session is None:
        raise NotFound("No such injection session in your clinic.")
    return session


async def update(principal: StaffPrincipal, session_id: uuid.UUID, data: InjectionUpdate) -> InjectionOut:
    session = await get_for_staff(principal, session_id)
    values: dict[str, object] = {}
    if data.volume_ml is not None:
        values["volume_ml"] = _millilitres(data.volume_ml)
    for name in ("status", "treatment", "product", "lot_number", "notes"):
        value = getattr(data, name)
        if value is not None:
            values[name] = value.strip() if name == "lot_number" else value
    if data.scheduled_at is not None:
        values["scheduled_at"] = _aware(data.scheduled_at)
    if data.areas is not None:
        values["areas"] = [str(a) for a in data.areas]
    _check_role(principal, values)
    if values.get("status") == SessionStatus.DONE and session.performed_at is None:
        values["performed_at"] = values.get("scheduled_at", session.scheduled_at)
    async with in_transaction():
        await session.update_from_dict(values).save()
        await audit.record(
            principal, "injection.update", "injection_session", session.id, patient_id=session.patient_id,  # type: ignore[attr-defined]
            detail={"fields": sorted(values)},
        )
        await tell(ScheduleChanged(session.patient_id))  # type: ignore[attr-defined]
    return injection_out(session)


async def sessions_of(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[InjectionOut]:
    """A patient's sessions, not audited: for pages that audit their own read."""
    patient = await patients.get_for_staff(principal, patient_id)
    sessions = await InjectionSession.filter(patient=patient).order_by("scheduled_at")
    return [injection_out(s) for s in sessions]


async def list_for_patient(principal: StaffPrincipal, patient_id: uuid.UUID) -> list[InjectionOut]:
    """A patient's sessions for staff; the read is audited (injection.list)."""
    sessions = await sessions_of(principal, patient_id)
    await audit.read(principal, "injection.list", patient_id=patient_id, detail={"sessions": len(sessions)})
    return sessions


async def list_own(principal: PatientPrincipal) -> list[PatientInjectionOut]:
    sessions = await InjectionSession.filter(patient_id=principal.patient_id).exclude(
        status=SessionStatus.CANCELLED
    ).order_by("scheduled_at")
    return [
        PatientInjectionOut(
            id=s.id, status=SessionStatus(s.status), scheduled_at=s.scheduled_at, treatment=s.treatment, product=s.product
        )
        for s in sessions
    ]


async def find_by_lot(principal: StaffPrincipal, lot_number: str) -> list[InjectionOut]:
    """Every session of this clinic that used the lot (exact match, case-insensitive)."""
    lot = lot_number.strip()
    if not lot:
        raise InvalidInput("Give a lot number to search for.")
    sessions = await InjectionSession.filter(clinic_id=principal.clinic_id, lot_number__iexact=lot).order_by(
        "scheduled_at"
    )
    # one event for every patient the lot reached, naming the lot
    await audit.read(
        principal, "injection.lot_search", detail={"lot": lot, "sessions": len(sessions), "patients": len({s.patient_id for s in sessions})}  # type: ignore[attr-defined]
    )
    return [injection_out(s) for s in sessions]


