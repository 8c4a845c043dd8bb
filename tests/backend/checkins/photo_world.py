"""A quicker world for photo tests: the same clinics, staff and patients as tests/backend/world.py,
with staff sessions opened directly (no password hashing per test: argon2 is slow on purpose)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from backend.auth.models import StaffSession
from backend.clinics.models import Clinic, StaffUser
from backend.injections.models import InjectionSession
from backend.security.tokens import STAFF_TOKEN_PREFIX, new_token, token_hash
from shared.contract.auth import StaffRole
from shared.contract.patients import Treatment
from shared.views import DEFAULT_PROTOCOL
from tests.backend.world import World, add_patient, enrol, password_hash


async def _staff_token(clinic: Clinic, email: str, role: StaffRole) -> str:
    staff = await StaffUser.create(clinic=clinic, email=email, name=role.value, role=role, password_hash=password_hash())
    token = new_token(STAFF_TOKEN_PREFIX)
    now = datetime.now(UTC)
    await StaffSession.create(
        staff=staff, token_hash=token_hash(token), kind="api", csrf_token=secrets.token_urlsafe(24),
        last_seen_at=now, expires_at=now + timedelta(hours=1),
    )
    return token


async def build_photo_world() -> World:
    world = World()
    views = [view.id.value for view in DEFAULT_PROTOCOL]
    clinic_x = await Clinic.create(name="Clinic X", protocol_views=views, injection_reminder_hours=[24])
    clinic_y = await Clinic.create(name="Clinic Y", protocol_views=views, injection_reminder_hours=[24])
    world.ids.update(clinic_x=clinic_x.id, clinic_y=clinic_y.id)
    world.tokens["staff_x"] = await _staff_token(clinic_x, "admin@x.example", StaffRole.ADMIN)
    world.tokens["desk_x"] = await _staff_token(clinic_x, "desk@x.example", StaffRole.FRONT_DESK)
    world.tokens["staff_y"] = await _staff_token(clinic_y, "admin@y.example", StaffRole.ADMIN)
    patient_a = await add_patient(clinic_x.id, "Patient A", "X-001")
    patient_b = await add_patient(clinic_x.id, "Patient B", "X-002")
    patient_c = await add_patient(clinic_y.id, "Patient C", "Y-001")
    world.ids.update(patient_a=patient_a.id, patient_b=patient_b.id, patient_c=patient_c.id)
    world.tokens["patient_a"] = await enrol(patient_a)
    world.tokens["patient_b"] = await enrol(patient_b)
    session = await InjectionSession.create(
        patient=patient_a, clinic=clinic_x, scheduled_at=datetime(2026, 2, 1, 10, tzinfo=UTC),
        treatment=Treatment.EXOSOMES, product="ExoCell", lot_number="LOT-A1",
    )
    world.ids["injection_a"] = session.id
    return world
