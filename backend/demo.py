"""The demo clinic that `make run` seeds: a clinic, a clinician, patients with history, an invite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tortoise.transactions import in_transaction

from backend.auth.service import create_clinic_with_admin
from backend.clinics.models import Clinic, StaffUser
from backend.enrolment.models import Invite
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.security.tokens import new_invite_code
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment

DEMO_EMAIL = "demo@follicle.example"
DEMO_PASSWORD = "follicle-demo-2026"
DEMO_CLINIC = "Demo Hair Clinic"


@dataclass(frozen=True)
class Demo:
    email: str
    password: str
    invite_code: str
    patient_name: str


async def seed_demo(public_url: str) -> Demo:
    """Create the demo clinic once; every call issues a fresh invite for the demo patient."""
    admin = await StaffUser.filter(email=DEMO_EMAIL).first()
    if admin is None:
        clinic, admin = await create_clinic_with_admin(DEMO_CLINIC, DEMO_EMAIL, "Dr Demo", DEMO_PASSWORD)
        await _seed_patients(clinic)
    patient = await Patient.filter(clinic_id=admin.clinic_id, record_number="DEMO-001").first()  # type: ignore[attr-defined]
    assert patient is not None
    now = datetime.now(UTC)
    async with in_transaction():
        await Invite.filter(patient=patient, used_at=None, revoked_at=None).update(revoked_at=now)
        invite = await Invite.create(patient=patient, code=new_invite_code(), expires_at=now + timedelta(days=7))
    return Demo(DEMO_EMAIL, DEMO_PASSWORD, invite.code, patient.display_name)


async def _seed_patients(clinic: Clinic) -> None:
    today = date.today()
    people = [
        ("Alex Morgan", "DEMO-001", Treatment.EXOSOMES, 120, "EXO-2411-A"),
        ("Sam Patel", "DEMO-002", Treatment.PRP, 200, "PRP-KIT-0093"),
        ("Jordan Lee", "DEMO-003", Treatment.MICRONEEDLING, 45, ""),
        ("Chris Novak", "DEMO-004", Treatment.COMBINATION, 10, "EXO-2411-A"),
    ]
    for name, record, treatment, days_ago, lot in people:
        baseline = today - timedelta(days=days_ago)
        patient = await Patient.create(
            clinic=clinic,
            display_name=name,
            record_number=record,
            treatment=treatment,
            planned_sessions=4,
            interval_days=30,
            baseline_date=baseline,
            timezone="Europe/London",
        )
        start = datetime.combine(baseline, datetime.min.time(), UTC) + timedelta(hours=10)
        for n in range(4):
            when = start + timedelta(days=30 * n)
            done = when < datetime.now(UTC)
            await InjectionSession.create(
                patient=patient,
                clinic=clinic,
                status=SessionStatus.DONE if done else SessionStatus.SCHEDULED,
                scheduled_at=when,
                performed_at=when if done else None,
                treatment=treatment,
                product="ExoCell 5B" if treatment in (Treatment.EXOSOMES, Treatment.COMBINATION) else "",
                lot_number=lot if done else "",
                volume_ml=None,
                areas=["vertex", "crown"] if done else [],
            )
