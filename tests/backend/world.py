"""A small world for API tests: clinic X (admin, clinician, front desk, patients A and B, enrolled)
and clinic Y (admin, patient C). Everything is made through the real services."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from backend.auth import service as auth
from backend.clinics.models import StaffUser
from backend.injections.models import InjectionSession
from backend.security.passwords import hash_password
from bench.clinic import add_patient, enrol, staff_token
from shared.contract.auth import StaffRole
from shared.contract.patients import Treatment

__all__ = ["PASSWORD", "World", "add_patient", "build_world", "enrol", "password_hash", "staff_token"]

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once per run
    return hash_password(PASSWORD)


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, uuid.UUID] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return {} if who == "anonymous" else {"Authorization": f"Bearer {self.tokens[who]}"}


async def build_world() -> World:
    world = World()
    clinic_x, admin_x = await auth.create_clinic_with_admin("Clinic X", "admin@x.example", "Admin X", PASSWORD)
    clinic_y, admin_y = await auth.create_clinic_with_admin("Clinic Y", "admin@y.example", "Admin Y", PASSWORD)
    for role, email in ((StaffRole.CLINICIAN, "clinician@x.example"), (StaffRole.FRONT_DESK, "desk@x.example")):
        await StaffUser.create(clinic=clinic_x, email=email, name=role.value, role=role, password_hash=password_hash())
    world.ids.update(clinic_x=clinic_x.id, clinic_y=clinic_y.id)
    world.tokens["staff_x"] = await staff_token("admin@x.example")
    world.tokens["clinician_x"] = await staff_token("clinician@x.example")
    world.tokens["desk_x"] = await staff_token("desk@x.example")
    world.tokens["staff_y"] = await staff_token("admin@y.example")
    patient_a = await add_patient(clinic_x.id, "Patient A", "X-001")
    patient_b = await add_patient(clinic_x.id, "Patient B", "X-002")
    patient_c = await add_patient(clinic_y.id, "Patient C", "Y-001")
    world.ids.update(patient_a=patient_a.id, patient_b=patient_b.id, patient_c=patient_c.id)
    world.tokens["patient_a"] = await enrol(patient_a)
    world.tokens["patient_b"] = await enrol(patient_b)
    session_a = await InjectionSession.create(
        patient=patient_a, clinic=clinic_x, scheduled_at=datetime(2026, 2, 1, 10, tzinfo=UTC),
        treatment=Treatment.EXOSOMES, product="ExoCell", lot_number="LOT-A1",
    )
    world.ids["injection_a"] = session_a.id
    return world
