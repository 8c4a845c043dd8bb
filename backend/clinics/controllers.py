from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import JSONBody

from backend.auth.deps import STAFF, CurrentStaff, CurrentPatient
from backend.auth.guards import admin_only, staff_only
from backend.clinics import service
from shared.contract.auth import StaffOut
from shared.contract.clinics import ClinicOut, ClinicUpdate, StaffCreate
from shared.errors import ErrorCode


class ClinicController(Controller):
    path = "/clinic"
    tags = ["clinic"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/", operation_id="GetClinic")
    async def get_clinic(self, staff: CurrentStaff) -> ClinicOut:
        """The caller's clinic: its name, timezone and photo protocol."""
        return await service.get_clinic(staff)

    @patch("/", operation_id="UpdateClinic", guards=[admin_only], errors=(ErrorCode.VIEW_NOT_IN_PROTOCOL,))
    async def update_clinic(self, staff: CurrentStaff, data: JSONBody[ClinicUpdate]) -> ClinicOut:
        """Change the clinic's name, timezone or photo protocol."""
        return await service.update_clinic(staff, data)

    @get("/staff", operation_id="ListStaff")
    async def list_staff(self, staff: CurrentStaff) -> list[StaffOut]:
        """The clinic's staff accounts."""
        return await service.list_staff(staff)

    @post("/staff", operation_id="CreateStaff", guards=[admin_only], errors=(ErrorCode.EMAIL_TAKEN,))
    async def add_staff(self, staff: CurrentStaff, data: JSONBody[StaffCreate]) -> StaffOut:
        """Add a staff account to the caller's clinic."""
        return await service.add_staff(staff, data)
