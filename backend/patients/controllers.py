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
from shared.errors import ErrorCode



class PatientController(Controller):
    path = "/patients"
    tags = ["patients"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/", operation_id="ListPatients")
    async def list_patients(self, staff: CurrentStaff, q: SearchText = None, offset: Offset = 0, limit: Limit = 50) -> PatientPage:
        """The clinic's patients, searchable by name or record number, a page at a time."""
        return await service.search(staff, text=q, offset=offset, limit=limit)

    @post("/", operation_id="CreatePatient", errors=(ErrorCode.RECORD_NUMBER_TAKEN, ErrorCode.GRADE_OFF_SCALE))
    async def create_patient(self, staff: CurrentStaff, data: JSONBody[PatientCreate]) -> PatientOut:
        """Add a patient to the caller's clinic with a treatment plan and hair-loss profile."""
        return await service.create(staff, data)

    @get("/{patient_id:uuid}", operation_id="GetPatient")
    async def get_patient(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> PatientOut:
        """One patient of the caller's clinic (another clinic's patient answers 404)."""
        return await service.view(staff, patient_id)

    @patch(
        "/{patient_id:uuid}",
        operation_id="UpdatePatient",
        errors=(ErrorCode.RECORD_NUMBER_TAKEN, ErrorCode.GRADE_OFF_SCALE),
    )
    async def update_patient(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], data: JSONBody[PatientUpdate]) -> PatientOut:
        """Change a patient's details, plan, profile or consent; re-plans their reminders."""
        return await service.update(staff, patient_id, data)

    @delete(
        "/{patient_id:uuid}",
        operation_id="DeletePatient",
        guards=[admin_only],
        status_code=HTTP_204_NO_CONTENT,
        errors=(ErrorCode.STORE_UNAVAILABLE,),
    )
    async def delete_patient(self, request: Request, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> None:
        """Delete a patient and everything kept about them, photos included (audited)."""
        await service.delete(staff, patient_id, store=getattr(request.app.state, "store", None))


class MeController(Controller):
    """The enrolled patient's own record, seen from their phone."""

    path = "/me"
    tags = ["me"]
    guards = [patient_only]
    dependencies = PATIENT

    @get("/", operation_id="GetMe")
    async def get_me(self, patient: CurrentPatient) -> PatientSelf:
        """The enrolled patient's own record as their phone shows it."""
        return await service.self_view(patient)

    @put("/reminders", operation_id="UpdateMyReminders")
    async def update_reminders(self, patient: CurrentPatient, data: JSONBody[ReminderPreferencesUpdate]) -> PatientSelf:
        """The patient's own reminder preferences (check-in time, quiet hours); re-plans their reminders."""
        return await service.update_own_reminders(patient, data.reminders)
