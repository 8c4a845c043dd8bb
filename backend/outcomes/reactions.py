"""How the outcomes feature reacts to patient changes (backend.patients.changes): the facts that
depend on what changed are worked out again in the same transaction."""

from __future__ import annotations

from backend.outcomes import facts
from backend.patients.changes import CheckInCompleted, ProgressRecorded, RatingsReleased, ScheduleChanged

# what each kind of progress feeds: consensus and answers are patient facts; a side-effect
# report counts against its session's lot and symptoms
_FEEDS = {
    "rating": (facts.PATIENT,),
    "self_assessment": (facts.PATIENT,),
    "side_effect": (facts.LOTS, facts.SYMPTOMS),
}


async def schedule_changed(change: ScheduleChanged) -> None:
    # an injection session (sessions, dose, lots, symptom onsets) or the baseline (dose, months due)
    await facts.refresh(change.patient_id)


async def checkin_completed(change: CheckInCompleted) -> None:
    await facts.refresh(change.patient_id, (facts.PATIENT,))


async def progress_recorded(change: ProgressRecorded) -> None:
    await facts.refresh(change.patient_id, _FEEDS[change.what])


async def ratings_released(change: RatingsReleased) -> None:
    await facts.rebuild(change.clinic_id)  # one set-based pass over the clinic, not one per patient
