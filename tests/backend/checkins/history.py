"""A patient's long history in a few statements: check-ins, ready photos and injection sessions
(for the timeline test and bench/timeline.py)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from shared.contract.checkins import CheckInStatus, PhotoStatus
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.schedule import checkin_due_on
from shared.views import DEFAULT_PROTOCOL

METRICS = {
    "width": 4032, "height": 3024, "sharpness": 412.5, "brightness": 128.0, "dark_fraction": 0.01,
    "bright_fraction": 0.02, "acceptable": True, "hints": [], "similarity": 0.93,
}


async def seed_history(patient: Patient, *, months: int = 36, injections: int = 24) -> None:
    """`months` complete check-ins of every view, and `injections` sessions given along the way.
    The patient's baseline moves back so that all those months have passed."""
    today = datetime.now(UTC).date()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    baseline = date(year, month + 1, min(today.day, 28))
    await Patient.filter(id=patient.id).update(baseline_date=baseline)
    views = [view.id.value for view in DEFAULT_PROTOCOL]
    checkins = [
        CheckIn(
            id=uuid.uuid4(), patient_id=patient.id, month=m, due_on=checkin_due_on(baseline, m), views=views,
            status=CheckInStatus.COMPLETE,
            completed_at=datetime.combine(checkin_due_on(baseline, m), time(12), UTC),
        )
        for m in range(months)
    ]
    await CheckIn.bulk_create(checkins)
    now = datetime.now(UTC)
    photos = [
        Photo(
            id=uuid.uuid4(), patient_id=patient.id, checkin_id=checkin.id, view=view,
            idempotency_key=uuid.uuid4(), storage_token=secrets.token_hex(16), status=PhotoStatus.READY,
            content_type="image/jpeg", sha256="0" * 64, size=3_000_000, source_type="jpeg",
            width=4032, height=3024, stored_size=2_900_000, metrics=METRICS,
            captured_at=datetime.combine(checkin.due_on, time(10), UTC), slot_issued_at=now,
            uploaded_at=now, processed_at=now,
        )
        for checkin in checkins
        for view in views
    ]
    await Photo.bulk_create(photos, batch_size=500)
    sessions = [
        InjectionSession(
            id=uuid.uuid4(), patient_id=patient.id, clinic_id=patient.clinic_id,  # type: ignore[attr-defined]
            status=SessionStatus.DONE, treatment=Treatment.EXOSOMES, product="ExoCell", lot_number=f"LOT-{i:03d}",
            scheduled_at=datetime.combine(baseline + timedelta(days=15 + 45 * i), time(9), UTC),
            performed_at=datetime.combine(baseline + timedelta(days=15 + 45 * i), time(9, 30), UTC),
            areas=["vertex"],
        )
        for i in range(injections)
    ]
    await InjectionSession.bulk_create(sessions)
