"""The consensus of a round's raters per patient, view and follow-up month: the median of their
current scores ("cannot rate" and the test-retest showings do not count), kept in
`rating_consensus` in the transaction (or the single statement) of every score, change and undo.

The row keeps how many raters' scores sit on each point of the scale. A score moves those counts
by one in one atomic upsert (`ON CONFLICT DO UPDATE` works on the newest row version), and the
median and number of raters are computed from the counts in the same statement: two raters
scoring one pair at once both land without a lock and without re-reading the scores. A row goes
when no score counts any more.

Other features read the table with SQL of their own; `consensus_for_patient` is the per-patient
reading (the newest round that rated each view and month wins).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from backend.checkins.versions import bump_timeline
from backend.db import connection
from backend.patients.changes import ProgressRecorded, tell
from backend.ratings.models import RatingConsensus, RatingPair
from shared.contract.ratings import ConsensusScore

# the counts' columns, for the scale's points -3..+3 in order
SCALE_COLUMNS = (
    "greatly_decreased", "moderately_decreased", "slightly_decreased", "no_change",
    "slightly_increased", "moderately_increased", "greatly_increased",
)
KEY_COLUMNS = "round_id, patient_id, view, month"


def median_sql(count: Callable[[str], str]) -> str:
    """SQL for the median score from the seven counts (`count(column)` is each one's expression):
    the value at the middle rank, or halfway between the two middle ones (0 when nothing counts)."""
    total = " + ".join(count(c) for c in SCALE_COLUMNS)

    def value_at(rank: str) -> str:
        cumulative, arms = [], []
        for value, column in zip(range(-3, 3), SCALE_COLUMNS):
            cumulative.append(count(column))
            arms.append(f"WHEN {' + '.join(cumulative)} >= {rank} THEN {value}")
        return f"CASE {' '.join(arms)} ELSE 3 END"

    return (
        f"CASE WHEN {total} <= 0 THEN 0 ELSE "
        f"({value_at(f'({total} + 1) / 2')} + {value_at(f'({total}) / 2 + 1')}) / 2.0 END"
    )


def upsert_sql(values: str) -> str:
    """`INSERT INTO rating_consensus ... {values} ON CONFLICT DO UPDATE`: `values` (a VALUES list or
    a SELECT) gives id, clinic_id, the key, the seven count changes, the score and raters a new row
    would have, and updated_at; an existing row adds the changes to its counts and recomputes."""
    added = ", ".join(f"{c} = rating_consensus.{c} + excluded.{c}" for c in SCALE_COLUMNS)
    return (
        f"INSERT INTO rating_consensus (id, clinic_id, {KEY_COLUMNS}, {', '.join(SCALE_COLUMNS)}, score, raters, updated_at) "
        f"{values} ON CONFLICT ({KEY_COLUMNS}) DO UPDATE SET {added}, "
        f"raters = rating_consensus.raters + excluded.raters, "
        f"score = {median_sql(lambda c: f'(rating_consensus.{c} + excluded.{c})')}, "
        "updated_at = excluded.updated_at"
    )


_DELETE_EMPTY = {
    "postgres": "DELETE FROM rating_consensus WHERE round_id = $1 AND patient_id = $2 AND view = $3 AND month = $4 AND raters <= 0",
    "sqlite": "DELETE FROM rating_consensus WHERE round_id = ? AND patient_id = ? AND view = ? AND month = ? AND raters <= 0",
}


async def move(pair: RatingPair, clinic_id: uuid.UUID, *, removed: int | None, added: int | None) -> None:
    """One rater's vote on the pair's consensus moves: `removed` (a stored score that no longer
    counts, or None) out, `added` (one that now counts, or None) in. Call inside the transaction
    that changed the scores; the patient's timeline is bumped when the consensus changed."""
    if removed == added:
        return
    changes = [int(value == added) - int(value == removed) for value in range(-3, 4)]
    db = connection()
    postgres = db.capabilities.dialect == "postgres"
    marks = [f"${i}" if postgres else "?" for i in range(1, 17)]
    key = [pair.round_id, pair.patient_id, pair.view, pair.month]  # type: ignore[attr-defined]
    params = [uuid.uuid4(), clinic_id, *key, *changes, 0 if added is None else added, sum(changes), datetime.now(UTC)]
    if not postgres:
        params = [str(p) if isinstance(p, uuid.UUID) else p for p in params]
    await db.execute_query(upsert_sql(f"VALUES ({', '.join(marks)})"), params)
    if removed is not None:
        await db.execute_query(_DELETE_EMPTY["postgres" if postgres else "sqlite"], params[2:6])
    await bump_timeline(pair.patient_id)  # type: ignore[attr-defined]  # the staff timeline shows it
    await tell(ProgressRecorded(pair.patient_id, "rating"))  # type: ignore[attr-defined]  # the outcomes count it


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
