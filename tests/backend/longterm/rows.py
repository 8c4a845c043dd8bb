"""Rows for the long-term tests, written straight to the database."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from backend.checkins.models import CheckIn
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.ratings.models import RatingConsensus, RatingRound
from backend.reports.models import SideEffectReport, SideEffectSymptom
from shared.contract.checkins import CheckInStatus
from shared.contract.injections import SessionStatus
from shared.contract.ratings import RoundStatus
from shared.schedule import checkin_due_on


async def done_session(patient_id, clinic_id, day: date, *, product: str = "ExoCell", lot: str = "LOT-A1",
                       treatment: str = "exosomes") -> InjectionSession:
    at = datetime.combine(day, time(10), UTC)
    return await InjectionSession.create(
        patient_id=patient_id, clinic_id=clinic_id, status=SessionStatus.DONE, scheduled_at=at, performed_at=at,
        treatment=treatment, product=product, lot_number=lot,
    )


async def research_patient(clinic_id, number: str, arm: str, baseline: date) -> Patient:
    return await Patient.create(
        clinic_id=clinic_id, display_name=f"Patient {number}", record_number=number, treatment=arm,
        planned_sessions=3, interval_days=30, baseline_date=baseline, timezone="Europe/London", consent_research=True,
    )


async def rating_round(clinic_id) -> RatingRound:
    return await RatingRound.create(
        clinic_id=clinic_id, name="Test round", months=list(range(1, 25)), views=["vertex"], status=RoundStatus.CLOSED,
        closed_at=datetime.now(UTC),
    )


async def consensus(round_: RatingRound, patient: Patient, month: int, score: float) -> None:
    await RatingConsensus.create(
        clinic_id=patient.clinic_id, round_id=round_.id, patient_id=patient.id, view="vertex", month=month,  # type: ignore[attr-defined]
        score=score, raters=2,
    )


async def checkin(patient: Patient, month: int) -> None:
    due = checkin_due_on(patient.baseline_date, month)
    await CheckIn.create(
        patient_id=patient.id, month=month, due_on=due, views=["vertex"], status=CheckInStatus.COMPLETE,
        completed_at=datetime.combine(due, time(19), UTC),
    )


async def late_report(patient: Patient, session: InjectionSession, started: date, *, serious: bool = False) -> None:
    report = await SideEffectReport.create(
        clinic_id=patient.clinic_id, patient_id=patient.id, injection_session_id=session.id,  # type: ignore[attr-defined]
        idempotency_key=uuid.uuid4(), request_sha256="0" * 64, started_on=started, needed_medical_care=False,
        max_severity=3 if serious else 1, serious=serious, submitted_at=datetime.combine(started, time(20), UTC),
    )
    await SideEffectSymptom.create(report=report, symptom="itching", severity=3 if serious else 1)
