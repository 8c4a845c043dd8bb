"""Rows for rating tests: ready photos of patients' check-ins, and a research-consented patient."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.patients.models import Patient
from shared.contract.checkins import PhotoStatus
from tests.backend.world import add_patient


async def ready_photos(patient_id: uuid.UUID, months: Iterable[int], views: Iterable[str]) -> dict[tuple[int, str], Photo]:
    """A ready (processed) photo of each view in each month; rows only, no bytes in a store."""
    photos = {}
    for month in months:
        due = date(2026, 1, 15) + timedelta(days=30 * month)
        checkin = await CheckIn.filter(patient_id=patient_id, month=month).first() or await CheckIn.create(
            patient_id=patient_id, month=month, due_on=due, views=list(views)
        )
        taken = datetime.combine(due, datetime.min.time(), UTC)
        for view in views:
            photos[(month, view)] = await Photo.create(
                patient_id=patient_id, checkin_id=checkin.id, view=view, idempotency_key=uuid.uuid4(),
                storage_token=secrets.token_hex(16), status=PhotoStatus.READY, content_type="image/jpeg",
                sha256="0" * 64, size=1000, width=900, height=1200, captured_at=taken, slot_issued_at=taken,
                uploaded_at=taken, processed_at=taken,
            )
    return photos


async def research_patient(clinic_id: uuid.UUID, name: str, record: str, months=(0, 3), views=("frontal",)) -> Patient:
    patient = await add_patient(clinic_id, name, record)
    await Patient.filter(id=patient.id).update(consent_research=True)
    await ready_photos(patient.id, months, views)
    return patient
