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

from tortoise.expressions import Q

from backend.checkins.versions import bump_timeline
from backend.db import connection
from backend.patients.changes import ProgressRecorded, tell
from backend.ratings.models import RatingConsensus, RatingPair, RatingRound
from shared.contract.ratings import ConsensusScore, RoundStatus

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


_NEW_ID = {
    "postgres": "gen_random_uuid()",
    "sqlite": " || '-' || ".join(f"lower(hex(randomblob({n})))" for n in (4, 2, 2, 2, 6)),
}


async def recount(round_id: uuid.UUID) -> None:
    """Work the round's consensus out from its current scores in one statement (the same counts
    and median as every score moves): for scores written in bulk (the demo cohort), or a repair."""
    db = connection()
    postgres = db.capabilities.dialect == "postgres"
    value_of = dict(zip(SCALE_COLUMNS, range(-3, 4)))

    def counted(column: str) -> str:
        return f"SUM(CASE WHEN s.score = {value_of[column]} THEN 1 ELSE 0 END)"

    values = (
        f"SELECT {_NEW_ID['postgres' if postgres else 'sqlite']}, r.clinic_id, p.round_id, p.patient_id, p.view, p.month, "
        f"{', '.join(counted(c) for c in SCALE_COLUMNS)}, {median_sql(counted)}, COUNT(*), {'$2' if postgres else '?'} "
        "FROM rating_score s JOIN rating_pair p ON p.id = s.pair_id JOIN rating_round r ON r.id = p.round_id "
        f"WHERE p.round_id = {'$1' if postgres else '?'} AND s.current AND NOT s.repeat AND s.score IS NOT NULL "
        "GROUP BY r.clinic_id, p.round_id, p.patient_id, p.view, p.month"
    )
    await db.execute_query(
        f"DELETE FROM rating_consensus WHERE round_id = {'$1' if postgres else '?'}", [round_id if postgres else str(round_id)]
    )
    now = datetime.now(UTC)
    params = [round_id, now] if postgres else [now.isoformat(), str(round_id)]  # SQLite's ? run in text order
    await db.execute_query(upsert_sql(values), params)


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
    """The patient's consensus per view and follow-up month, each from the newest released round
    (closed, or published while open: see released.py) that has one, ordered by month then view;
    a round still open and unpublished is left out, so an earlier round's figure stays. No tenancy
    check: callers check the patient is theirs."""
    rows = (
        await RatingConsensus.filter(patient_id=patient_id)
        .filter(Q(round__status=RoundStatus.CLOSED) | Q(round__published_at__isnull=False))
        .select_related("round")
        .order_by("month", "view", "-round__created_at")
    )
    newest: dict[tuple[str, int], RatingConsensus] = {}
    for row in rows:
        newest.setdefault((row.view, row.month), row)
    return await _scores(patient_id, list(newest.values()))


async def consensus_of_round(patient_id: uuid.UUID, rating_round: RatingRound) -> list[ConsensusScore]:
    """The patient's consensus in one round, whatever its state: callers check it may be shown."""
    rows = await RatingConsensus.filter(patient_id=patient_id, round_id=rating_round.id).select_related("round").order_by("month", "view")
    return await _scores(patient_id, rows)


async def _scores(patient_id: uuid.UUID, rows: list[RatingConsensus]) -> list[ConsensusScore]:
    newest = {(row.view, row.month): row for row in rows}
    taken = {
        (pair.round_id, pair.view, pair.month): pair.followup_photo.captured_at  # type: ignore[attr-defined]
        for pair in await RatingPair.filter(
            patient_id=patient_id, round_id__in=list({row.round_id for row in newest.values()})  # type: ignore[attr-defined]
        ).select_related("followup_photo")
    } if newest else {}
    return [
        ConsensusScore(
            view=row.view, month=row.month, score=row.score, raters=row.raters, round_name=row.round.name,
            final=row.round.status == RoundStatus.CLOSED, round_id=row.round.id,
            agreement=row.round.agreement_alpha, agreement_pairs=row.round.agreement_pairs,
            followup_taken_at=taken.get((row.round.id, row.view, row.month)),
        )
        for row in newest.values()
    ]
