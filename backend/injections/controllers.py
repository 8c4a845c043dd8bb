from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, PathParameter

from backend.auth.deps import PATIENT, STAFF, CurrentStaff, CurrentPatient
from backend.auth.guards import patient_only, staff_only
from backend.injections import service
from shared.contract.injections import InjectionCreate, InjectionOut, InjectionUpdate, PatientInjectionOut
from shared.errors import ErrorCode


class InjectionController(Controller):
    tags = ["injections"]
    guards = [staff_only]
    dependencies = STAFF

    @get("/patients/{patient_id:uuid}/injections", operation_id="ListInjections")
    async def list_injections(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID]) -> list[InjectionOut]:
        """A patient's injection sessions, scheduled and given, with products and lots."""
        return await service.list_for_patient(staff, patient_id)

    @post(
        "/patients/{patient_id:uuid}/injections",
        operation_id="CreateInjection",
        errors=(ErrorCode.INJECTION_NOT_GIVEN, ErrorCode.INVALID_STATE),
    )
    async def create_injection(self, staff: CurrentStaff, patient_id: FromPath[uuid.UUID], data: JSONBody[InjectionCreate]) -> InjectionOut:
        """Schedule an injection session for a patient, or record one given (clinicians record what was given)."""
        return await service.create(staff, patient_id, data)

    @patch("/injections/{session_id:uuid}", operation_id="UpdateInjection", errors=(ErrorCode.INVALID_STATE,))
    async def update_injection(self, staff: CurrentStaff, session_id: FromPath[uuid.UUID], data: JSONBody[InjectionUpdate]) -> InjectionOut:
        """Reschedule, record or cancel an injection session (clinicians record what was given)."""
        return await service.update(staff, session_id, data)

    @get("/lots/{lot_number:str}/injections", operation_id="FindInjectionsByLot")
    async def find_by_lot(
        self, staff: CurrentStaff, lot_number: Annotated[str, PathParameter(max_length=64)]
    ) -> list[InjectionOut]:
        """Every injection session of the clinic that used one lot number."""
        return await service.find_by_lot(staff, lot_number)


class MyInjectionController(Controller):
    path = "/me/injections"
    tags = ["me"]
    guards = [patient_only]
    dependencies = PATIENT

    @get("/", operation_id="ListMyInjections")
    async def list_own(self, patient: CurrentPatient) -> list[PatientInjectionOut]:
        """The patient's own injection sessions (without lot numbers)."""
        return await service.list_own(patient)
