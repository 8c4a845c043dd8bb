from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import JSONBody

from backend.auth.deps import STAFF, CurrentStaff, CurrentPatient
from backend.auth.guards import admin_only, staff_only
from backend.clinics import service
from shared.contract.auth import StaffOut
from shared.contract.clinics import ClinicOut, ClinicUpdate, StaffCreate


class ClinicController(Controller):
    path = "/clinic"
    tags = ["clinic"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/", operation_id="GetClinic")
    async def get_clinic(self, staff: CurrentStaff) -> ClinicOut:
        return await service.get_clinic(staff)

    @patch("/", operation_id="UpdateClinic", guards=[admin_only])
    async def update_clinic(self, staff: CurrentStaff, data: JSONBody[ClinicUpdate]) -> ClinicOut:
        return await service.update_clinic(staff, data)

    @get("/staff", operation_id="ListStaff")
    async def list_staff(self, staff: CurrentStaff) -> list[StaffOut]:
        return await service.list_staff(staff)

    @post("/staff", operation_id="CreateStaff", guards=[admin_only])
    async def add_staff(self, staff: CurrentStaff, data: JSONBody[StaffCreate]) -> StaffOut:
        return await service.add_staff(staff, data)
