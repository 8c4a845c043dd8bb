"""Check-in rows (with their photos) to API messages."""

from __future__ import annotations

from backend.checkins.models import CheckIn
from backend.photos.models import Photo
from backend.photos.output import photo_out
from shared.contract.checkins import CheckInOut, CheckInStatus, PhotoStatus


def checkin_out(checkin: CheckIn, photos: list[Photo]) -> CheckInOut:
    done = {p.view for p in photos if p.status == PhotoStatus.READY}
    return CheckInOut(
        id=checkin.id,
        month=checkin.month,
        due_on=checkin.due_on,
        status=CheckInStatus(checkin.status),
        views=list(checkin.views),
        done_views=[v for v in checkin.views if v in done],
        completed_at=checkin.completed_at,
        photos=[photo_out(p, checkin) for p in sorted(photos, key=lambda p: (p.captured_at, str(p.id)))],
    )
