"""A clinic, its staff sessions, enrolled patients and a long photo history, written straight
through the backend's models and services: what the benchmarks seed (and the tests share)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime, time, timedelta

from backend.auth.models import StaffSession
from backend.checkins.models import CheckIn
from backend.clinics.models import StaffUser
from backend.injections.models import InjectionSession
from backend.patients.models import Patient
from backend.photos.models import Photo
from backend.security.attempt_store import CountingMemoryStore
from backend.security.rate_limit import AddressLimiter
from backend.security.tokens import STAFF_TOKEN_PREFIX, new_token, token_hash
from shared.contract.checkins import CheckInStatus, PhotoStatus
from shared.contract.injections import SessionStatus
from shared.contract.patients import RedeemInvite, Treatment
from shared.schedule import checkin_due_on
from shared.views import DEFAULT_PROTOCOL


async def staff_token(email: str) -> str:
    """An API session opened directly: signing in runs argon2, which is slow on purpose and
    tested once in test_auth.py, not in every world."""
    staff = await StaffUser.get(email=email)
    token = new_token(STAFF_TOKEN_PREFIX)
    now = datetime.now(UTC)
    await StaffSession.create(
        staff=staff, token_hash=token_hash(token), kind="api", csrf_token=secrets.token_urlsafe(24),
        last_seen_at=now, expires_at=now + timedelta(hours=1),
    )
    return token


async def add_patient(clinic_id: uuid.UUID, name: str, record: str) -> Patient:
    return await Patient.create(
        clinic_id=clinic_id,
        display_name=name,
        record_number=record,
        treatment=Treatment.EXOSOMES,
        planned_sessions=4,
        interval_days=30,
        baseline_date=date(2026, 1, 15),
        timezone="Europe/London",
    )


async def enrol(patient: Patient) -> str:
    from backend.enrolment import service as enrolment
    from backend.enrolment.models import Invite

    invite = await Invite.create(patient=patient, code=uuid.uuid4().hex[:10].upper(), expires_at=datetime.now(UTC) + timedelta(hours=1))
    enrolled = await enrolment.redeem(
        RedeemInvite(code=invite.code, device_name="test phone"), client_address="127.0.0.1",
        limiter=AddressLimiter(CountingMemoryStore(), kind="invite", attempts=100, window_seconds=60),
    )
    return enrolled.device_token


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
