"""Releasing a round's consensus: closing it (final) or publishing it early (provisional).

Until one of these, an open round's consensus is shown nowhere (released.py). Publishing needs
every rater's queue done (so no one still rating can read the others' figures) and at least one
score. Both work out the panel's agreement (Krippendorff's alpha over first showings), which
every consensus label carries, move the round's patients' timelines on, and have the outcome
facts of the clinic worked out again, all in the transaction of the change.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from backend.audit import service as audit
from backend.auth.principal import StaffPrincipal
from backend.checkins.versions import bump_timeline
from backend.patients.changes import RatingsReleased, tell
from backend.ratings import agreement, statistics
from backend.ratings.models import RatingPair, RatingRater, RatingRound, RatingScore
from backend.ratings.rounds import require_admin, round_out
from shared.contract.ratings import RoundOut, RoundStatus
from shared.errors import Conflict, ErrorCode, NotFound


async def _locked(principal: StaffPrincipal, round_id: uuid.UUID) -> RatingRound:
    rating_round = await RatingRound.filter(id=round_id, clinic_id=principal.clinic_id).select_for_update().first()
    if rating_round is None:
        raise NotFound("No such rating round in your clinic.")
    if rating_round.status == RoundStatus.CLOSED:
        raise Conflict("This round is already closed.", code=ErrorCode.ROUND_CLOSED)
    return rating_round


async def close_round(principal: StaffPrincipal, round_id: uuid.UUID) -> RoundOut:
    """Close a round: no more scores, and its consensus is final everywhere (clinic admin)."""
    require_admin(principal)
    async with in_transaction():
        rating_round = await _locked(principal, round_id)
        rating_round.status = RoundStatus.CLOSED
        rating_round.closed_at = datetime.now(UTC)
        await _released(rating_round, ["status", "closed_at"])
        await audit.record(principal, "rating.round.close", "rating_round", round_id)
    return await round_out(principal, rating_round)


async def publish_round(principal: StaffPrincipal, round_id: uuid.UUID) -> RoundOut:
    """Show an open round's consensus as provisional before it closes (clinic admin), once every
    rater has finished their queue and there is a score to show."""
    require_admin(principal)
    async with in_transaction():
        rating_round = await _locked(principal, round_id)
        if rating_round.published_at is not None:
            raise Conflict("This round is already published.", code=ErrorCode.ROUND_PUBLISHED)
        if not await RatingScore.filter(pair__round_id=round_id, current=True, score__not_isnull=True).exists():
            raise Conflict("This round has no scores yet: there is nothing to publish.", code=ErrorCode.NOTHING_TO_PUBLISH)
        rating = await RatingRater.filter(round_id=round_id, tasks_done__lt=F("tasks_total")).count()
        if rating:
            raise Conflict(
                f"{rating} rater{'s are' if rating != 1 else ' is'} still rating this round: it can be published "
                "once every queue is done (until then its figures would reach someone still rating).",
                code=ErrorCode.RATERS_STILL_RATING, details={"raters_still_rating": rating},
            )
        rating_round.published_at = datetime.now(UTC)
        await _released(rating_round, ["published_at"])
        await audit.record(principal, "rating.round.publish", "rating_round", round_id)
    return await round_out(principal, rating_round)


async def _released(rating_round: RatingRound, changed: list[str]) -> None:
    scores = await agreement.load(rating_round)
    alpha = await asyncio.to_thread(statistics.krippendorff_alpha, scores.first, seed=agreement.seed_of(rating_round.id))
    rating_round.agreement_alpha, rating_round.agreement_pairs = alpha.value, alpha.n
    await rating_round.save(update_fields=[*changed, "agreement_alpha", "agreement_pairs"])
    patients = await RatingPair.filter(round_id=rating_round.id).distinct().values_list("patient_id", flat=True)
    await bump_timeline(list(patients))
    await tell(RatingsReleased(rating_round.clinic_id, tuple(patients)))  # type: ignore[attr-defined]
