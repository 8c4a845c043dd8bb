from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import JSONBody

from backend.auth.deps import STAFF, CurrentStaff
from backend.auth.guards import admin_only, staff_only
from backend.clinics import service
from backend.staff import service as staff_accounts
from shared.contract.auth import StaffOut
from shared.contract.clinics import ClinicOut, ClinicUpdate, StaffCreate
from shared.contract.staff import StaffMemberOut
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

    @patch("/", operation_id="UpdateClinic", guards=[admin_only], errors=(ErrorCode.VIEW_NOT_IN_PROTOCOL, ErrorCode.TWO_FACTOR_NOT_ON))
    async def update_clinic(self, staff: CurrentStaff, data: JSONBody[ClinicUpdate]) -> ClinicOut:
        """Change the clinic's name, timezone, photo protocol or whether every staff member must sign
        in with two-factor (which needs the admin's own first, and ends the sessions opened without it)."""
        return await service.update_clinic(staff, data)

    @get("/staff", operation_id="ListStaff")
    async def list_staff(self, staff: CurrentStaff) -> list[StaffMemberOut]:
        """The clinic's staff accounts: role, whether active, invited or signing in with two-factor,
        and their last sign-in."""
        return await staff_accounts.list_members(staff)

    @post("/staff", operation_id="CreateStaff", guards=[admin_only], errors=(ErrorCode.EMAIL_TAKEN,))
    async def add_staff(self, staff: CurrentStaff, data: JSONBody[StaffCreate]) -> StaffOut:
        """Add a staff account to the caller's clinic."""
        return await service.add_staff(staff, data)
