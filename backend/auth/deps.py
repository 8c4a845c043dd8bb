"""Dependencies handing the resolved caller to handlers (guards have already checked its kind)."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency, Provide

from backend.auth.principal import PatientPrincipal, StaffPrincipal


def _staff(request: Request) -> StaffPrincipal:
    return request.scope["user"]


def _patient(request: Request) -> PatientPrincipal:
    return request.scope["user"]


STAFF = {"staff": Provide(_staff, sync_to_thread=False)}
PATIENT = {"patient": Provide(_patient, sync_to_thread=False)}

# handler parameter types: `staff: CurrentStaff` / `patient: CurrentPatient`
CurrentStaff = NamedDependency[StaffPrincipal]
CurrentPatient = NamedDependency[PatientPrincipal]
