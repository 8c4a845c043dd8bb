from __future__ import annotations

import uuid

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from backend.api.params import Limit, Offset, SearchText
from backend.auth.deps import PATIENT, STAFF, CurrentPatient, CurrentStaff
from backend.auth.guards import admin_only, patient_only, staff_only
from backend.patients import service
from shared.contract.patients import PatientCreate, PatientOut, PatientPage, PatientSelf, PatientUpdate, ReminderPreferencesUpdate



class PatientController(Controller):
    path = "/patients"
    tags = ["patients"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/", operation_id="ListPatients")
    async def list_patients(self, staff: CurrentStaff, q: SearchText = None, offset: Offset = 0, limit: Limit = 50) -> PatientPage:
        return await service.search(staff, text=q, offset=offset, limit=limit)

    @post("/", operation_id="CreatePatient")
    async def create_patient(self, staff: CurrentStaff, data: JSONBody[PatientCreate]) -> PatientOut:
        return await service.create(staff, data)

    @get("/{patient_id:uuid}", operation_id="GetPatient")
    async def get_patient(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> PatientOut:
        return await service.view(staff, patient_id)

    @patch("/{patient_id:uuid}", operation_id="UpdatePatient")
    async def update_patient(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], data: JSONBody[PatientUpdate]) -> PatientOut:
        return await service.update(staff, patient_id, data)

    @delete("/{patient_id:uuid}", operation_id="DeletePatient", guards=[admin_only], status_code=HTTP_204_NO_CONTENT)
    async def delete_patient(self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> None:
        await service.delete(staff, patient_id, store=getattr(request.app.state, "store", None))


class MeController(Controller):
    """The enrolled patient's own record, seen from their phone."""

    path = "/me"
    tags = ["me"]
    guards = [patient_only]
    dependencies = PATIENT

    @get("/", operation_id="GetMe")
    async def get_me(self, patient: CurrentPatient) -> PatientSelf:
        return await service.self_view(patient)

    @put("/reminders", operation_id="UpdateMyReminders")
    async def update_reminders(self, patient: CurrentPatient, data: JSONBody[ReminderPreferencesUpdate]) -> PatientSelf:
        return await service.update_own_reminders(patient, data.reminders)
