"""A round's agreement: every current score read in one raw statement (plain rows, no ORM
objects), laid out as arrays, and the statistics of backend/ratings/statistics.py over them,
overall and per view."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, field

import numpy as np

from backend.auth.principal import StaffPrincipal
from backend.db import connection
from backend.ratings import statistics
from backend.ratings.models import RatingRater, RatingRound
from backend.ratings.rounds import get_round, require_clinical
from shared.contract.ratings import (
    Agreement,
    Estimate,
    RaterPairKappa,
    RetestAgreement,
    RoundStatus,
    ViewAgreement,
)
from shared.errors import ErrorCode, Forbidden
from shared.rating_labels import MIN_AGREEMENT_PAIRS, TOO_FEW_PAIRS


@dataclass
class RoundScores:
    """A round's current scores: `first[r, p]` is rater r's score of pair p's first showing (NaN
    when none counts), `repeat[r, p]` that of its second showing, `views[p]` the pair's view."""

    raters: list[str]
    views: list[str]
    first: np.ndarray
    repeat: np.ndarray
    cannot_rate: int = 0
    view_order: list[str] = field(default_factory=list)


def seed_of(round_id: uuid.UUID) -> int:
    """The bootstrap's seed: fixed per round, so the figures read the same on every visit."""
    return int(round_id.hex[:8], 16)


def scores_sql(raters: int, postgres: bool) -> str:
    """One row per pair of the round with a current score: its view, each rater's first-showing
    score, each rater's repeat-showing score (NULL for none or "cannot rate"), and how many current
    scores are "cannot rate". Parameter 1 is the round, 2.. the raters in order. Aggregated in the
    database, so 10,000 small rows of numbers come back instead of 33,000 rows of ids."""
    mark = (lambda i: f"${i}") if postgres else (lambda i: f"?{i}")
    first = [f"max(CASE WHEN s.rater_id = {mark(i + 2)} AND NOT s.repeat THEN s.score END)" for i in range(raters)]
    again = [f"max(CASE WHEN s.rater_id = {mark(i + 2)} AND s.repeat THEN s.score END)" for i in range(raters)]
    return (
        f"SELECT p.view, {', '.join(first + again)}, sum(CASE WHEN s.score IS NULL THEN 1 ELSE 0 END) "
        "FROM rating_score s JOIN rating_pair p ON p.id = s.pair_id "
        f"WHERE p.round_id = {mark(1)} AND s.current GROUP BY p.id, p.view"
    )


async def load(rating_round: RatingRound) -> RoundScores:
    seats = await RatingRater.filter(round_id=rating_round.id).select_related("staff").order_by("staff__name")
    db = connection()
    postgres = db.capabilities.dialect == "postgres"
    params = [rating_round.id, *(seat.id for seat in seats)]
    if seats:
        _, rows = await db.execute_query(scores_sql(len(seats), postgres), params if postgres else [str(p) for p in params])
    else:
        rows = []
    k = len(seats)
    views = [row[0] for row in rows]
    numbers = np.array([tuple(row)[1:] for row in rows], dtype=float).reshape(len(rows), 2 * k + 1)
    order = [v for v in rating_round.views if v in set(views)]
    return RoundScores(
        [s.staff.name for s in seats], views, numbers[:, :k].T.copy(), numbers[:, k : 2 * k].T.copy(),
        int(numbers[:, 2 * k].sum()), order,
    )


PLACES = 3  # every figure and its interval to the same precision


def _estimate(interval: statistics.Interval) -> Estimate:
    """A figure as shown: none below MIN_AGREEMENT_PAIRS pairs ("too few pairs"), the point and
    its interval to PLACES decimals, and an interval that collapsed to one point left out."""
    if interval.n < MIN_AGREEMENT_PAIRS:
        return Estimate(value=None, low=None, high=None, n=interval.n, method=interval.method, note=TOO_FEW_PAIRS)
    value, low, high = (None if x is None else round(x, PLACES) for x in (interval.value, interval.low, interval.high))
    note = interval.note
    if value is not None and low is not None and low == high:
        low = high = None
        note = note or "no interval: every resample gave the same figure"
    return Estimate(value=value, low=low, high=high, n=interval.n, method=interval.method, note=note)


def _view(label: str, matrix: np.ndarray, seed: int) -> ViewAgreement:
    rated = int((~np.isnan(matrix)).any(axis=0).sum())
    return ViewAgreement(
        view=label,
        pairs=rated,
        alpha=_estimate(statistics.krippendorff_alpha(matrix, seed=seed)),
        icc=_estimate(statistics.icc_2_1(matrix)),
    )


def compute(round_id: uuid.UUID, name: str, status: RoundStatus, scores: RoundScores) -> Agreement:
    """Every figure of the agreement page, from the round's scores (pure, CPU only)."""
    seed = seed_of(round_id)
    views = np.array(scores.views, dtype=object)
    overall = _view("all", scores.first, seed)
    per_view = [_view(v, scores.first[:, views == v], seed) for v in scores.view_order]
    kappas = [
        RaterPairKappa(
            rater_a=scores.raters[a], rater_b=scores.raters[b],
            kappa=_estimate(statistics.weighted_kappa(scores.first[a], scores.first[b], seed=seed)),
        )
        for a, b in itertools.combinations(range(len(scores.raters)), 2)
    ]
    retest = []
    for r, rater in enumerate(scores.raters):
        both = ~(np.isnan(scores.first[r]) | np.isnan(scores.repeat[r]))
        retest.append(
            RetestAgreement(
                rater=rater,
                repeated=int(both.sum()),
                identical=_estimate(statistics.identical_share(scores.first[r], scores.repeat[r])),
                kappa=_estimate(statistics.weighted_kappa(scores.first[r], scores.repeat[r], seed=seed)),
            )
        )
    return Agreement(
        round_id=round_id, round_name=name, status=status, raters=scores.raters, overall=overall, views=per_view,
        kappas=kappas, retest=retest, scores=int((~np.isnan(scores.first)).sum() + (~np.isnan(scores.repeat)).sum()),
        cannot_rate=scores.cannot_rate, bootstrap_resamples=statistics.RESAMPLES, seed=seed,
    )


async def for_round(principal: StaffPrincipal, round_id: uuid.UUID) -> Agreement:
    """The round's agreement for admins and clinicians; a rater of the round only once their own
    queue is done (seeing others' scores earlier would unblind them)."""
    require_clinical(principal)
    rating_round = await get_round(principal, round_id)
    seat = await RatingRater.filter(round_id=round_id, staff_id=principal.staff_id).first()
    if seat is not None and seat.tasks_done < seat.tasks_total and rating_round.status == RoundStatus.OPEN:
        raise Forbidden(
            f"Finish your own queue first: {seat.tasks_done} of {seat.tasks_total} pairs scored.",
            code=ErrorCode.RESULTS_AFTER_QUEUE,
        )
    scores = await load(rating_round)
    # the statistics are CPU work of up to a second or two: off the event loop
    return await asyncio.to_thread(compute, round_id, rating_round.name, RoundStatus(rating_round.status), scores)
