"""A rater's side of a round: the next presentation (and the one after, to preload), giving a
score, changing one with a reason, and undoing the last score of this sitting.

Every score, change and undo moves the pair's consensus counts in its own transaction (see
consensus.py: an atomic upsert, so two raters scoring one pair at once need no lock). Scores are
stored follow-up relative to baseline whatever side the rater saw each photo on.

A score takes one path on both databases, a few statements in one transaction: the task found
with its seat, round and pair, the score stored, the task and seat moved on, the consensus moved
(which bumps the timeline and tells `ProgressRecorded`, so the outcome facts count it at once), and
the audit event written by `audit.record` with the rater's address. The queue is one statement.
A unique index keeps one current score per task when two requests race: the later one is refused
as a change without a reason.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.db import connection
from backend.ratings import consensus
from backend.ratings.models import RatingRater, RatingRound, RatingScore, RatingTask
from backend.ratings.rounds import require_clinical
from backend.ratings.tokens import sign_image_link
from shared.contract.ratings import BlindPair, RaterQueue, RoundStatus, ScoreSubmit, UndoRequest
from shared.errors import Conflict, ErrorCode, Forbidden, InvalidInput, NotFound

IMAGE_PATH = "/ratings/images/"


@dataclass(frozen=True)
class RatingContext:
    """What rating needs from the running app: the secret that seals image links, where the app is
    reachable, and how long a link lives."""

    secret: str
    public_url: str
    link_seconds: int

    def expires(self) -> int:
        return int(time.time()) + self.link_seconds

    def image_url(self, task_token: str, side: str, expires: int) -> str:
        return f"{self.public_url.rstrip('/')}{IMAGE_PATH}{sign_image_link(self.secret, task_token, side, expires)}"


async def seat_for(principal: StaffPrincipal, round_id: uuid.UUID) -> RatingRater:
    """The caller's seat in the round: 404 for a round of another clinic, 403 for one they do not rate."""
    require_clinical(principal)
    seat = await RatingRater.filter(round_id=round_id, staff_id=principal.staff_id).select_related("round").first()
    if seat is not None and seat.round.clinic_id == principal.clinic_id:  # type: ignore[attr-defined]
        return seat
    if await RatingRound.filter(id=round_id, clinic_id=principal.clinic_id).exists():
        raise Forbidden("You are not a rater of this round.", code=ErrorCode.NOT_A_RATER)
    raise NotFound("No such rating round in your clinic.")


def _blind(task_token: str, ctx: RatingContext, expires: int) -> BlindPair:
    return BlindPair(
        token=task_token,
        left_url=ctx.image_url(task_token, "left", expires),
        right_url=ctx.image_url(task_token, "right", expires),
    )


def _queue_answer(
    ctx: RatingContext, done: int, total: int, tokens: list[str], can_undo: bool
) -> RaterQueue:
    expires = ctx.expires()
    return RaterQueue(
        done=done,
        total=total,
        pair=_blind(tokens[0], ctx, expires) if tokens else None,
        preload=_blind(tokens[1], ctx, expires) if len(tokens) > 1 else None,
        can_undo=can_undo,
        links_expire_at=datetime.fromtimestamp(expires, UTC),
    )


# the caller's seat, the round's state, their latest current score's sitting and (open rounds only)
# their next two undone tasks: one row per token, or one row with none, or no row without a seat
QUEUE = """
SELECT rr.tasks_done, rr.tasks_total, r.status,
       (SELECT s.sitting FROM rating_score s WHERE s.rater_id = rr.id AND s.current
        ORDER BY s.given_at DESC LIMIT 1) AS last_sitting,
       n.token
FROM rating_rater rr
JOIN rating_round r ON r.id = rr.round_id
LEFT JOIN (
    SELECT t.token, t.position FROM rating_task t
    WHERE t.rater_id = (SELECT id FROM rating_rater WHERE round_id = {0} AND staff_id = {1}) AND NOT t.done
    ORDER BY t.position LIMIT 2
) n ON r.status = 'open'
WHERE rr.round_id = {2} AND rr.staff_id = {3} AND r.clinic_id = {4}
ORDER BY n.position
"""


async def queue(principal: StaffPrincipal, round_id: uuid.UUID, ctx: RatingContext, sitting: uuid.UUID | None = None) -> RaterQueue:
    """The presentation to score now and the next one; None when the queue is done (or the round closed)."""
    require_clinical(principal)
    db = connection()
    postgres = db.capabilities.dialect == "postgres"
    marks = [f"${i}" for i in range(1, 6)] if postgres else ["?"] * 5
    params: list[object] = [round_id, principal.staff_id, round_id, principal.staff_id, principal.clinic_id]
    if not postgres:
        params = [str(p) for p in params]
    _, rows = await db.execute_query(QUEUE.format(*marks), params)
    if not rows:
        await seat_for(principal, round_id)  # raises the refusal that applies
    first = rows[0]
    is_open = first["status"] == RoundStatus.OPEN
    last = first["last_sitting"]
    can_undo = is_open and sitting is not None and last is not None and str(last) == str(sitting)
    tokens = [row["token"] for row in rows if row["token"] is not None]
    return _queue_answer(ctx, first["tasks_done"], first["tasks_total"], tokens, can_undo)


def _checked(data: ScoreSubmit) -> tuple[int | None, str | None]:
    if (data.score is None) == (data.cannot_rate is None):
        raise InvalidInput("Give either a score from -3 to +3 or a reason the pair cannot be rated.")
    if data.score is not None and not -3 <= data.score <= 3:
        raise InvalidInput(
            "A score is a whole number from -3 (greatly decreased) to +3 (greatly increased).",
            code=ErrorCode.SCORE_OUT_OF_RANGE, details={"score": data.score},
        )
    return data.score, data.cannot_rate


async def submit(
    principal: StaffPrincipal, round_id: uuid.UUID, token: str, data: ScoreSubmit, ctx: RatingContext
) -> RaterQueue:
    """Store the rater's score of one presentation and answer their queue. A presentation that
    already has a score is changed only with a reason; the old score is kept, no longer current."""
    given, cannot_rate = _checked(data)
    require_clinical(principal)
    reason = data.reason.strip()
    try:
        return await _score_or_change(principal, round_id, token, given, cannot_rate, reason, data, ctx)
    except IntegrityError as exc:  # the same task scored by a request a moment earlier
        if "rating_score_one_current_per_task" not in str(exc):
            raise
        raise _reason_required() from exc


def _token_refusal() -> NotFound:
    return NotFound("This pair is not in your queue for this round.", code=ErrorCode.RATING_TOKEN_UNKNOWN)


def _closed() -> Conflict:
    return Conflict("This round is closed: scores can no longer be given or changed.", code=ErrorCode.ROUND_CLOSED)


def _reason_required() -> InvalidInput:
    return InvalidInput("This pair already has your score: changing it needs a reason.", code=ErrorCode.CHANGE_REASON_REQUIRED)


async def _score_or_change(
    principal: StaffPrincipal, round_id: uuid.UUID, token: str, given: int | None, cannot_rate: str | None,
    reason: str, data: ScoreSubmit, ctx: RatingContext,
) -> RaterQueue:
    # one statement finds the task, its rater's seat, the round and the pair; a miss says which refusal applies
    task = await RatingTask.filter(
        token=token, round_id=round_id, rater__staff_id=principal.staff_id, round__clinic_id=principal.clinic_id
    ).select_related("rater", "round", "pair").first()
    if task is None:
        await seat_for(principal, round_id)  # 404 / 403 for a round that is not theirs
        raise _token_refusal()
    seat, rating_round, pair = task.rater, task.round, task.pair
    async with in_transaction():
        # closing locks the round row; a score landing in that same instant is the round's last
        if rating_round.status != RoundStatus.OPEN:
            raise _closed()
        held = await RatingScore.filter(task_id=task.id, current=True).first()
        if held is not None and not reason:
            raise _reason_required()
        stored = None if given is None else (given if task.baseline_left else -given)
        if held is not None:  # first, so the new row is the task's only current score
            await RatingScore.filter(id=held.id).update(current=False)
        score = await RatingScore.create(
            task_id=task.id, pair_id=pair.id, rater_id=seat.id, score=stored, cannot_rate=cannot_rate,
            baseline_left=task.baseline_left, repeat=task.repeat, seconds_taken=data.seconds_taken,
            sitting=data.sitting, reason=reason, replaces_id=held.id if held else None,
        )
        if held is None:
            await RatingTask.filter(id=task.id).update(done=True)
            await RatingRater.filter(id=seat.id).update(tasks_done=F("tasks_done") + 1)
        if not task.repeat:
            await consensus.move(pair, rating_round.clinic_id, removed=held.score if held else None, added=stored)  # type: ignore[attr-defined]
        await audit.record(
            principal, "rating.score.change" if held else "rating.score", "rating_score", score.id,
            patient_id=pair.patient_id,  # type: ignore[attr-defined]
            detail={"round": str(round_id), "pair": str(pair.id), "score": stored, "cannot_rate": cannot_rate,
                    "repeat": task.repeat, **({"replaces": str(held.id), "reason": reason} if held else {})},
        )
    return await queue(principal, round_id, ctx, data.sitting)


async def undo(principal: StaffPrincipal, round_id: uuid.UUID, data: UndoRequest, ctx: RatingContext) -> RaterQueue:
    """Withdraw the rater's latest score when it was given in this sitting: the pair comes back as
    the next to score (or, for a change, the score it replaced is current again). Kept and audited."""
    seat = await seat_for(principal, round_id)
    async with in_transaction():
        rating_round = await RatingRound.filter(id=round_id).select_for_update().first()
        if rating_round is None or rating_round.status != RoundStatus.OPEN:
            raise Conflict("This round is closed: scores can no longer be changed.", code=ErrorCode.ROUND_CLOSED)
        last = await RatingScore.filter(rater_id=seat.id, current=True).order_by("-given_at").select_related("pair").first()
        if last is None or last.sitting != data.sitting:
            raise Conflict("There is no score of this sitting to undo.", code=ErrorCode.NOTHING_TO_UNDO)
        pair = last.pair
        await RatingScore.filter(id=last.id).update(current=False, withdrawn_at=datetime.now(UTC))
        restored = None
        if last.replaces_id is not None:  # type: ignore[attr-defined]
            restored = await RatingScore.get(id=last.replaces_id)  # type: ignore[attr-defined]
            await RatingScore.filter(id=restored.id).update(current=True)
        else:
            await RatingTask.filter(id=last.task_id).update(done=False)  # type: ignore[attr-defined]
            await RatingRater.filter(id=seat.id).update(tasks_done=F("tasks_done") - 1)
        if not last.repeat:
            await consensus.move(
                pair, rating_round.clinic_id, removed=last.score, added=restored.score if restored else None  # type: ignore[attr-defined]
            )
        await audit.record(
            principal, "rating.score.undo", "rating_score", last.id, patient_id=pair.patient_id,  # type: ignore[attr-defined]
            detail={"round": str(round_id), "pair": str(pair.id), "score": last.score, "cannot_rate": last.cannot_rate},
        )
    return await queue(principal, round_id, ctx, data.sitting)
