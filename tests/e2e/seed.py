"""What the browser tests find when they arrive: two clinics, staff, and patients with history.

Written straight through the models in a short `asyncio.run` before the server starts (the
server's own loop then opens the same database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from backend.auth.service import create_clinic_with_admin
from backend.clinics.models import Clinic, StaffUser
from backend.enrolment.models import Invite
from backend.injections.models import InjectionSession
from backend.longterm.demo import seed_longterm_cohort
from backend.outcomes.demo import seed_outcomes_cohort
from backend.patients.models import Patient
from backend.reports.models import SideEffectReport, SideEffectSymptom
from backend.security.passwords import hash_password
from shared.contract.auth import StaffRole
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment

PASSWORD = "clinic-password-2026"
ADMIN_X = "rivera@northside.example"
FRONT_DESK_X = "desk@northside.example"
CLINICIAN_X = "haddad@northside.example"
ADMIN_Y = "lee@harbour.example"
X_LOT = "EXO-2411-A"
# the invite the test phone redeems for the timeline patient (no 0/O/1/I/L, as real codes)
PHONE_INVITE = "MRGN2345"
PHOTO_MONTHS = range(0, 5)
# the invite a second phone (Luis Romero's) redeems to send a side-effect report
REPORT_INVITE = "RPRT2345"
Y_LOT = "HB-PRP-7"
# a third clinic holding the demo's synthetic research cohort, for the outcomes page
ADMIN_RESEARCH = "ortiz@research.example"
# a fourth clinic holding the demo's long-term cohort, for the durability page
ADMIN_LONGTERM = "okafor@longterm.example"


@dataclass
class Seeded:
    clinic_x: str
    timeline_patient_id: str
    timeline_patient: str
    timeline_baseline: date
    x_patient_ids: list[str]
    photo_ids: list[str] = field(default_factory=list)


# name, record number, treatment, baseline (days ago), done sessions
PEOPLE_X = [
    ("Alex Morgan", "NS-1042", Treatment.EXOSOMES, 150, 4),
    ("Priya Shah", "NS-1043", Treatment.PRP, 61, 2),
    ("Tom Becker", "NS-1051", Treatment.MICRONEEDLING, 33, 1),
    ("Grace Okafor", "NS-1060", Treatment.COMBINATION, 8, 1),
    ("Luis Romero", "NS-1066", Treatment.EXOSOMES, 95, 3),
    ("Hannah Weiss", "NS-1070", Treatment.PRP, 1, 0),
    ("Daniel Kim", "NS-1071", Treatment.EXOSOMES, 45, 2),
    ("Sofia Rossi", "NS-1075", Treatment.EXOSOMES, -12, 0),
]


async def seed() -> Seeded:
    clinic_x, admin_x = await create_clinic_with_admin(
        "Northside Hair Clinic", ADMIN_X, "Dr Maya Rivera", PASSWORD, timezone="Europe/London"
    )
    await StaffUser.create(
        clinic=clinic_x, email=FRONT_DESK_X, name="Sam Front", role=StaffRole.FRONT_DESK, password_hash=hash_password(PASSWORD)
    )
    await StaffUser.create(
        clinic=clinic_x, email=CLINICIAN_X, name="Dr Omar Haddad", role=StaffRole.CLINICIAN, password_hash=hash_password(PASSWORD)
    )
    clinic_y, _ = await create_clinic_with_admin("Harbour Clinic", ADMIN_Y, "Dr Jun Lee", PASSWORD, timezone="Europe/Dublin")
    ids = []
    for name, record, treatment, days_ago, done in PEOPLE_X:
        patient = await _patient(clinic_x, name, record, treatment, days_ago, done, X_LOT)
        ids.append(str(patient.id))
    timeline = await Patient.get(clinic=clinic_x, record_number="NS-1042")
    await _side_effect(clinic_x, timeline)
    await Invite.create(patient=timeline, code=PHONE_INVITE, expires_at=datetime.now(UTC) + timedelta(hours=2))
    reporter = await Patient.get(clinic=clinic_x, record_number="NS-1066")
    await Invite.create(patient=reporter, code=REPORT_INVITE, expires_at=datetime.now(UTC) + timedelta(hours=2))
    await _patient(clinic_y, "Yara Quinn", "HB-001", Treatment.PRP, 70, 2, Y_LOT)
    research, _ = await create_clinic_with_admin("Research Hair Clinic", ADMIN_RESEARCH, "Dr Ana Ortiz", PASSWORD)
    await seed_outcomes_cohort(research)
    longterm, _ = await create_clinic_with_admin("Long-term Hair Clinic", ADMIN_LONGTERM, "Dr Ngozi Okafor", PASSWORD)
    await seed_longterm_cohort(longterm)
    return Seeded(
        clinic_x=str(clinic_x.id), timeline_patient_id=str(timeline.id), timeline_patient=timeline.display_name,
        timeline_baseline=timeline.baseline_date, x_patient_ids=ids,
    )


async def _patient(clinic: Clinic, name: str, record: str, treatment: Treatment, days_ago: int, done: int, lot: str) -> Patient:
    baseline = date.today() - timedelta(days=days_ago)
    patient = await Patient.create(
        clinic=clinic, display_name=name, record_number=record, treatment=treatment, planned_sessions=4,
        interval_days=30, baseline_date=baseline, timezone="Europe/London", enrolled_at=datetime.now(UTC) if done else None,
    )
    start = datetime.combine(baseline, datetime.min.time(), UTC) + timedelta(hours=10)
    for n in range(done):
        when = start + timedelta(days=30 * n)
        await InjectionSession.create(
            patient=patient, clinic=clinic, status=SessionStatus.DONE, scheduled_at=when, performed_at=when,
            treatment=treatment, product="ExoCell 5B" if treatment == Treatment.EXOSOMES else "Regen PRP kit",
            lot_number=lot if n == done - 1 else f"{lot[:-1]}{n}", volume_ml=4, areas=["vertex", "crown"],
        )
    if done and done < 4:
        await InjectionSession.create(
            patient=patient, clinic=clinic, status=SessionStatus.SCHEDULED,
            scheduled_at=start + timedelta(days=30 * done), treatment=treatment,
        )
    return patient


async def _side_effect(clinic: Clinic, patient: Patient) -> None:
    import uuid

    session = await InjectionSession.filter(patient=patient, status=SessionStatus.DONE).order_by("-scheduled_at").first()
    assert session is not None
    report = await SideEffectReport.create(
        clinic=clinic, patient=patient, injection_session=session, idempotency_key=uuid.uuid4(), request_sha256="0" * 64,
        started_on=session.scheduled_at.date() + timedelta(days=1), notes="Tender for two days.",
        needed_medical_care=False, max_severity=2, serious=False,
    )
    for symptom, severity in (("pain", 2), ("redness", 1)):
        await SideEffectSymptom.create(report=report, symptom=symptom, severity=severity)
