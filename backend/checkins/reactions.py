"""How the check-in feature reacts to patient changes (backend.patients.changes): a change to the
patient's injection sessions or schedule shows on the timeline, so its cached copies go stale."""

from __future__ import annotations

from backend.checkins.versions import bump_timeline
from backend.patients.changes import ScheduleChanged


async def schedule_changed(change: ScheduleChanged) -> None:
    await bump_timeline(change.patient_id)
