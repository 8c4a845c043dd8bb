"""The consensus of a round's raters per patient, view and follow-up month: the median of their
current scores ("cannot rate" does not count), kept in `rating_consensus` by `refresh` in the
transaction of every score, change and undo. A row is deleted when no score counts any more.

Other features read the table with SQL of their own; `consensus_for_patient` is the per-patient
reading (the newest round that rated each view and month wins).
"""

from __future__ import annotations

import uuid

from backend.checkins.versions import bump_timeline
from backend.patients.changes import ProgressRecorded, tell
from backend.ratings.models import RatingConsensus, RatingPair, RatingScore
from backend.ratings.statistics import median_score
from shared.contract.ratings import ConsensusScore

async def refresh(pair: RatingPair, clinic_id: uuid.UUID) -> float | None:
    """Recompute the pair's consensus from its current first-presentation scores and store it (or
    delete it when none counts). Call inside the transaction that changed a score, after locking
    the pair row, so two raters scoring one pair at once cannot both write a stale median."""
    scores = await RatingScore.filter(
        pair_id=pair.id, current=True, repeat=False, score__isnull=False
    ).values_list("score", flat=True)
    key = {"round_id": pair.round_id, "patient_id": pair.patient_id, "view": pair.view, "month": pair.month}  # type: ignore[attr-defined]
    if not scores:
        await RatingConsensus.filter(**key).delete()
        median = None
    else:
        median = median_score(list(scores))
        updated = await RatingConsensus.filter(**key).update(score=median, raters=len(scores))
        if not updated:
            await RatingConsensus.create(clinic_id=clinic_id, score=median, raters=len(scores), **key)
    await bump_timeline(pair.patient_id)  # type: ignore[attr-defined]  # the staff timeline shows it
    await tell(ProgressRecorded(pair.patient_id, "rating"))  # type: ignore[attr-defined]  # the outcomes count it
    return median


async def consensus_for_patient(patient_id: uuid.UUID) -> list[ConsensusScore]:
    """The patient's consensus per view and follow-up month, each from the newest round that has
    one, ordered by month then view. No tenancy check: callers check the patient is theirs."""
    rows = (
        await RatingConsensus.filter(patient_id=patient_id)
        .select_related("round")
        .order_by("month", "view", "-round__created_at")
    )
    newest: dict[tuple[str, int], ConsensusScore] = {}
    for row in rows:
        newest.setdefault(
            (row.view, row.month),
            ConsensusScore(view=row.view, month=row.month, score=row.score, raters=row.raters, round_name=row.round.name),
        )
    return list(newest.values())
