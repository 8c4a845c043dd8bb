"""A rater's side of a round: the next presentation (and the one after, to preload), giving a
score, changing one with a reason, and undoing the last score of this sitting.

Every score, change and undo keeps the pair's consensus up to date in its own transaction, with
the pair row locked so two raters scoring one pair at once never store a stale median. Scores are
stored follow-up relative to baseline whatever side the rater saw each photo on.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.ratings import consensus
from backend.ratings.models import RatingPair, RatingRater, RatingRound, RatingScore, RatingTask
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


async def _queue(seat: RatingRater, ctx: RatingContext, sitting: uuid.UUID | None) -> RaterQueue:
    expires = ctx.expires()
    tokens: list[str] = []
    if seat.round.status == RoundStatus.OPEN:
        tokens = list(
            await RatingTask.filter(rater_id=seat.id, done=False).order_by("position").limit(2).values_list("token", flat=True)
        )
    can_undo = False
    if sitting is not None and seat.round.status == RoundStatus.OPEN:
        last = await RatingScore.filter(rater_id=seat.id, current=True).order_by("-given_at").first().values("sitting")
        can_undo = bool(last) and last["sitting"] == sitting
    return RaterQueue(
        done=seat.tasks_done,
        total=seat.tasks_total,
        pair=_blind(tokens[0], ctx, expires) if tokens else None,
        preload=_blind(tokens[1], ctx, expires) if len(tokens) > 1 else None,
        can_undo=can_undo,
        links_expire_at=datetime.fromtimestamp(expires, UTC),
    )


async def queue(principal: StaffPrincipal, round_id: uuid.UUID, ctx: RatingContext, sitting: uuid.UUID | None = None) -> RaterQueue:
    """The presentation to score now and the next one; None when the queue is done (or the round closed)."""
    return await _queue(await seat_for(principal, round_id), ctx, sitting)


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
    # one statement finds the task, its rater's seat and the round; a miss says which refusal applies
    task = await RatingTask.filter(
        token=token, round_id=round_id, rater__staff_id=principal.staff_id, round__clinic_id=principal.clinic_id
    ).select_related("rater", "round").first()
    if task is None:
        await seat_for(principal, round_id)  # 404 / 403 for a round that is not theirs
        raise NotFound("This pair is not in your queue for this round.", code=ErrorCode.RATING_TOKEN_UNKNOWN)
    seat, rating_round = task.rater, task.round
    reason = data.reason.strip()
    async with in_transaction():
        # closing locks the round row; a score landing in that same instant is the round's last
        if rating_round.status != RoundStatus.OPEN:
            raise Conflict("This round is closed: scores can no longer be given or changed.", code=ErrorCode.ROUND_CLOSED)
        pair = await RatingPair.filter(id=task.pair_id).select_for_update().first()  # type: ignore[attr-defined]
        assert pair is not None  # the task's foreign key keeps it
        held = await RatingScore.filter(task_id=task.id, current=True).first()
        if held is not None and not reason:
            raise InvalidInput(
                "This pair already has your score: changing it needs a reason.", code=ErrorCode.CHANGE_REASON_REQUIRED
            )
        stored = None if given is None else (given if task.baseline_left else -given)
        score = await RatingScore.create(
            task_id=task.id, pair_id=pair.id, rater_id=seat.id, score=stored, cannot_rate=cannot_rate,
            baseline_left=task.baseline_left, repeat=task.repeat, seconds_taken=data.seconds_taken,
            sitting=data.sitting, reason=reason, replaces_id=held.id if held else None,
        )
        if held is not None:
            await RatingScore.filter(id=held.id).update(current=False)
        else:
            await RatingTask.filter(id=task.id).update(done=True)
            await RatingRater.filter(id=seat.id).update(tasks_done=F("tasks_done") + 1)
            seat.tasks_done += 1
        if not task.repeat:
            await consensus.refresh(pair, rating_round.clinic_id)  # type: ignore[attr-defined]
        await audit.record(
            principal, "rating.score.change" if held else "rating.score", "rating_score", score.id,
            patient_id=pair.patient_id,  # type: ignore[attr-defined]
            detail={"round": str(round_id), "pair": str(pair.id), "score": stored, "cannot_rate": cannot_rate,
                    "repeat": task.repeat, **({"replaces": str(held.id), "reason": reason} if held else {})},
        )
    seat.round = rating_round
    return await _queue(seat, ctx, data.sitting)


async def undo(principal: StaffPrincipal, round_id: uuid.UUID, data: UndoRequest, ctx: RatingContext) -> RaterQueue:
    """Withdraw the rater's latest score when it was given in this sitting: the pair comes back as
    the next to score (or, for a change, the score it replaced is current again). Kept and audited."""
    seat = await seat_for(principal, round_id)
    async with in_transaction():
        rating_round = await RatingRound.filter(id=round_id).select_for_update().first()
        if rating_round is None or rating_round.status != RoundStatus.OPEN:
            raise Conflict("This round is closed: scores can no longer be changed.", code=ErrorCode.ROUND_CLOSED)
        last = await RatingScore.filter(rater_id=seat.id, current=True).order_by("-given_at").first()
        if last is None or last.sitting != data.sitting:
            raise Conflict("There is no score of this sitting to undo.", code=ErrorCode.NOTHING_TO_UNDO)
        pair = await RatingPair.filter(id=last.pair_id).select_for_update().first()  # type: ignore[attr-defined]
        assert pair is not None
        await RatingScore.filter(id=last.id).update(current=False, withdrawn_at=datetime.now(UTC))
        if last.replaces_id is not None:  # type: ignore[attr-defined]
            await RatingScore.filter(id=last.replaces_id).update(current=True)  # type: ignore[attr-defined]
        else:
            await RatingTask.filter(id=last.task_id).update(done=False)  # type: ignore[attr-defined]
            await RatingRater.filter(id=seat.id).update(tasks_done=F("tasks_done") - 1)
            seat.tasks_done -= 1
        if not last.repeat:
            await consensus.refresh(pair, rating_round.clinic_id)  # type: ignore[attr-defined]
        await audit.record(
            principal, "rating.score.undo", "rating_score", last.id, patient_id=pair.patient_id,  # type: ignore[attr-defined]
            detail={"round": str(round_id), "pair": str(pair.id), "score": last.score, "cannot_rate": last.cannot_rate},
        )
    seat.round = rating_round
    return await _queue(seat, ctx, data.sitting)
