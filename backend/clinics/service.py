"""The clinic's own settings and its staff accounts."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.auth.service import staff_out
from backend.clinics.models import Clinic, StaffUser
from backend.patients.service import check_timezone
from backend.security.passwords import hash_password
from backend.staff import two_factor
from shared.contract.auth import StaffOut
from shared.contract.clinics import ClinicOut, ClinicUpdate, StaffCreate
from shared.errors import Conflict, ErrorCode
from shared.views import validate_protocol


def clinic_out(clinic: Clinic) -> ClinicOut:
    return ClinicOut(
        id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        protocol_views=list(clinic.protocol_views),
        created_at=clinic.created_at,
        share_consensus_with_patients=clinic.share_consensus_with_patients,
        require_two_factor=clinic.require_two_factor,
    )


async def get_clinic(principal: StaffPrincipal) -> ClinicOut:
    return clinic_out(await Clinic.get(id=principal.clinic_id))


async def update_clinic(principal: StaffPrincipal, change: ClinicUpdate) -> ClinicOut:
    updates: dict[str, object] = {}
    if change.name is not None:
        updates["name"] = change.name
    if change.timezone is not None:
        updates["timezone"] = check_timezone(change.timezone)
    if change.protocol_views is not None:
        updates["protocol_views"] = [view.id for view in validate_protocol(change.protocol_views)]
    if change.share_consensus_with_patients is not None:
        updates["share_consensus_with_patients"] = change.share_consensus_with_patients
    async with in_transaction():
        clinic = await Clinic.select_for_update().get(id=principal.clinic_id)
        if updates:
            await clinic.update_from_dict(updates).save()
        if change.require_two_factor is not None and await two_factor.require_for_clinic(principal, change.require_two_factor):
            updates["require_two_factor"] = clinic.require_two_factor = change.require_two_factor
        await audit.record(principal, "clinic.update", "clinic", clinic.id, detail={"fields": sorted(updates)})
    return clinic_out(clinic)


async def add_staff(principal: StaffPrincipal, data: StaffCreate) -> StaffOut:
    email = data.email.strip().lower()
    if await StaffUser.filter(email=email).exists():
        raise Conflict(f"A staff account with {email} already exists.", code=ErrorCode.EMAIL_TAKEN)
    async with in_transaction():
        staff = await StaffUser.create(
            clinic_id=principal.clinic_id,
            email=email,
            name=data.name,
            role=data.role,
            password_hash=hash_password(data.password),
        )
        await audit.record(principal, "staff.create", "staff", staff.id, detail={"role": data.role})
    return staff_out(staff)
