"""The patient's request that the clinic delete their data: one per patient however often asked,
seen by staff on the patient page and in the patient list, and completed by the existing deletion
of the patient (an admin's), which records who completed it. Every step is audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import PatientPrincipal, StaffPrincipal
from backend.clinics.models import Clinic
from backend.patients import service as patients
from backend.patients.models import Patient
from backend.records.models import DeletionRequest
from shared.contract.records import DeletionRequestOut, MyDeletionRequest


def _out(request: DeletionRequest, clinic_name: str) -> DeletionRequestOut:
    return DeletionRequestOut(id=request.id, requested_at=request.requested_at, clinic_name=clinic_name)


async def _clinic_name(clinic_id: uuid.UUID) -> str:
    return (await Clinic.get(id=clinic_id).only("id", "name")).name


async def ask(principal: PatientPrincipal, now: datetime | None = None) -> tuple[DeletionRequestOut, bool]:
    """Record the request (True), or give back the one already made (False): never two."""
    existing = await DeletionRequest.filter(patient_id=principal.patient_id).first()
    if existing is None:
        try:
            async with in_transaction():
                existing = await DeletionRequest.create(
                    patient_id=principal.patient_id, clinic_id=principal.clinic_id,
                    requested_at=now or datetime.now(UTC), device_id=principal.device_id,
                )
                await audit.record(
                    principal, "deletion_request.create", "deletion_request", existing.id,
                    patient_id=principal.patient_id, detail={"device_id": str(principal.device_id)},
                )
        except IntegrityError:
            # asked twice at once: the other request stored it
            existing = await DeletionRequest.get(patient_id=principal.patient_id)
            return _out(existing, await _clinic_name(principal.clinic_id)), False
        return _out(existing, await _clinic_name(principal.clinic_id)), True
    return _out(existing, await _clinic_name(principal.clinic_id)), False


async def mine(principal: PatientPrincipal) -> MyDeletionRequest:
    request = await DeletionRequest.filter(patient_id=principal.patient_id).first()
    if request is None:
        return MyDeletionRequest(request=None)
    return MyDeletionRequest(request=_out(request, await _clinic_name(principal.clinic_id)))


async def for_staff(principal: StaffPrincipal, patient_id: uuid.UUID, *, must_exist: bool = False) -> DeletionRequestOut | None:
    """The open request of a patient of the caller's clinic, if any (NotFound for a patient of
    another clinic when `must_exist`)."""
    if must_exist:
        await patients.get_for_staff(principal, patient_id)
    request = await DeletionRequest.filter(patient_id=patient_id, clinic_id=principal.clinic_id).first()
    return _out(request, await _clinic_name(principal.clinic_id)) if request else None


async def _complete_on_delete(patient: Patient, actor: StaffPrincipal | None):
    """Inside the patient's delete transaction: an open request is completed by this deletion, by
    this staff member (the request row goes with the patient; the audit trail keeps both)."""
    request = await DeletionRequest.filter(patient_id=patient.id).first()
    if request is not None:
        await audit.record(
            actor, "deletion_request.complete", "deletion_request", request.id,
            clinic_id=patient.clinic_id, patient_id=patient.id,  # type: ignore[attr-defined]
            detail={"requested_at": request.requested_at.isoformat()},
        )
    return None


if _complete_on_delete not in patients.DELETE_HOOKS:
    patients.DELETE_HOOKS.append(_complete_on_delete)
