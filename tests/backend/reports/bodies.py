"""Request bodies and stored reports for the report tests and the route matrix."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from backend.reports.models import SideEffectReport, SideEffectSymptom
from shared import questionnaire as hgq

# the world's patients: baseline and timezone as in tests/backend/world.py
WORLD_BASELINE = date(2026, 1, 15)
WORLD_ZONE = ZoneInfo("Europe/London")


def side_effect_body(session_id: object, **changes: object) -> dict:
    body = {
        "idempotency_key": str(uuid.uuid4()),
        "injection_session_id": str(session_id),
        "started_on": "2026-02-02",
        "symptoms": [{"symptom": "pain", "severity": 1}, {"symptom": "redness", "severity": 2}],
        "notes": "Tender for a day.",
        "needed_medical_care": False,
    }
    return {**body, **changes}


def questionnaire_body(value: int = 1, *, baseline: date = WORLD_BASELINE, today: date | None = None, **changes: object) -> dict:
    """Answers to every question asked of a patient with this baseline today (world patients by default)."""
    today = today or datetime.now(WORLD_ZONE).date()
    month = hgq.occasion_for(baseline, today)
    answers = {q.id: value for q in hgq.questions_asked(hgq.QUESTIONNAIRE_VERSION, month)}
    body = {"idempotency_key": str(uuid.uuid4()), "version": hgq.QUESTIONNAIRE_VERSION, "answers": answers}
    return {**body, **changes}


async def store_report(clinic_id: uuid.UUID, patient_id: uuid.UUID, session_id: uuid.UUID, *, serious: bool = True) -> SideEffectReport:
    """A report written straight to the database, for tests about reading and annotating."""
    report = await SideEffectReport.create(
        clinic_id=clinic_id,
        patient_id=patient_id,
        injection_session_id=session_id,
        idempotency_key=uuid.uuid4(),
        request_sha256="0" * 64,
        started_on=date(2026, 2, 2),
        needed_medical_care=False,
        max_severity=3 if serious else 1,
        serious=serious,
        submitted_at=datetime.now(UTC),
    )
    await SideEffectSymptom.create(report=report, symptom="swelling", severity=3 if serious else 1)
    return report
