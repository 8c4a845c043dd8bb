"""Records rows written straight to the database, for the route matrix."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

from backend.records.models import DataExport
from shared.contract.records import ExportState


async def ready_export_row(patient_id: uuid.UUID, clinic_id: uuid.UUID) -> DataExport:
    now = datetime.now(UTC)
    return await DataExport.create(
        patient_id=patient_id, clinic_id=clinic_id, storage_token=secrets.token_hex(16), state=ExportState.READY,
        requested_at=now, ready_at=now, expires_at=now + timedelta(days=1), size=22, sha256="0" * 64,
    )
