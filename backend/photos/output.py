"""Photo rows to API messages."""

from __future__ import annotations

from datetime import datetime

import msgspec

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from shared.contract.checkins import PhotoOut, PhotoRejection, PhotoStatus
from shared.quality import QualityReport


def quality(raw: dict | None) -> QualityReport | None:
    if not raw:
        return None
    try:
        return msgspec.convert(raw, QualityReport)
    except msgspec.ValidationError:
        return None  # written by an older version: leave it out rather than fail the page


def rejection(code: str, message: str) -> PhotoRejection | None:
    return PhotoRejection(code=code, message=message) if code else None


def photo_out(
    photo: Photo,
    checkin: CheckIn,
    *,
    urls: tuple[str, str, str] | None = None,
    urls_expire_at: datetime | None = None,
) -> PhotoOut:
    thumb, preview, full = urls or (None, None, None)
    return PhotoOut(
        id=photo.id,
        patient_id=photo.patient_id,  # type: ignore[attr-defined]
        checkin_id=checkin.id,
        checkin_month=checkin.month,
        view=photo.view,
        status=PhotoStatus(photo.status),
        size=photo.size,
        sha256=photo.sha256,
        width=photo.width,
        height=photo.height,
        captured_at=photo.captured_at,
        uploaded_at=photo.uploaded_at,
        processed_at=photo.processed_at,
        metrics=quality(photo.metrics),
        rejection=rejection(photo.rejection_code, photo.rejection_message),
        thumbnail_url=thumb,
        preview_url=preview,
        full_url=full,
        urls_expire_at=urls_expire_at if urls else None,
    )
