"""How the outcomes feature reacts to patient changes (backend.patients.changes): whatever its
facts are worked out from changed, so they are worked out again in the same transaction."""

from __future__ import annotations

from backend.outcomes import facts
from backend.patients.changes import Change, CheckInCompleted, ProgressRecorded, ScheduleChanged


async def _refresh(change: Change) -> None:
    await facts.refresh(change.patient_id)


# ScheduleChanged: an injection session or the baseline date; CheckInCompleted: a check-in;
# ProgressRecorded: a rating consensus, side-effect report or self-assessment.
REACTIONS = {ScheduleChanged: _refresh, CheckInCompleted: _refresh, ProgressRecorded: _refresh}
