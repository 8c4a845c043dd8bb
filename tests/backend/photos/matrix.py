"""What the route matrix needs for the photo routes: a request body and a stored photo of patient A."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, date, datetime

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from shared.contract.checkins import PhotoStatus

OBJECT_KEY = "incoming/" + "0" * 32  # a store route with no valid signature


def slot_body() -> dict:
    data = b"\xff\xd8\xff" + bytes(1000)
    return {
        "checkin_month": 0,
        "view": "frontal",
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "content_type": "image/jpeg",
        "idempotency_key": str(uuid.uuid4()),
        "captured_at": datetime.now(UTC).isoformat(),
    }


async def store_photo(patient_id: uuid.UUID) -> Photo:
    """A processed photo of the patient (rows only)."""
    checkin = await CheckIn.create(patient_id=patient_id, month=0, due_on=date(2026, 1, 15), views=["frontal"])
    now = datetime.now(UTC)
    return await Photo.create(
        patient_id=patient_id, checkin_id=checkin.id, view="frontal", idempotency_key=uuid.uuid4(),
        storage_token=secrets.token_hex(16), status=PhotoStatus.READY, content_type="image/jpeg",
        sha256="0" * 64, size=1000, width=1200, height=900, captured_at=now, slot_issued_at=now,
        uploaded_at=now, processed_at=now,
    )
