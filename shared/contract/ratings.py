"""Blinded photo rating: rounds, a rater's queue, scores, agreement and consensus.

The global photographic assessment scores the follow-up photo against the baseline photo of the
same view on 7 points: -3 greatly decreased ... 0 no change ... +3 greatly increased. A rater who
cannot judge a pair says why instead ("cannot rate").

Blinding: a rater's queue never names a patient, record number, date, month, treatment, lot, photo
or another rater's score. Each presentation is addressed by a random token of that rater's own, and
its two images come through short-lived links of the backend's own that carry no photo id. The
order shown (`left`/`right`) is random per presentation: the rater scores the right photo against
the left one, and the stored score is always follow-up relative to baseline.

Routes (admin = clinic admin, clinical = admin or clinician, rater = a rater of that round):
    POST /ratings/rounds                          RoundCreate -> RoundOut          (admin)
    GET  /ratings/rounds                          -> list[RoundOut]                (clinical)
    GET  /ratings/rounds/{round_id}               -> RoundOut                      (clinical)
    POST /ratings/rounds/{round_id}/close         -> RoundOut                      (admin)
    GET  /ratings/rounds/{round_id}/key           -> RoundKey   (admin, not a rater of an open round; audited)
    GET  /ratings/rounds/{round_id}/queue         -> RaterQueue                    (rater)
    POST /ratings/tasks/{token}/score             ScoreSubmit -> RaterQueue        (that task's rater)
    POST /ratings/rounds/{round_id}/undo          UndoRequest -> RaterQueue        (rater)
    GET  /ratings/rounds/{round_id}/agreement     -> Agreement   (clinical; a rater once their queue is done)
    GET  /ratings/images/{link}                   -> image/jpeg  (the link is the credential; minutes)
    GET  /patients/{patient_id}/consensus         -> list[ConsensusScore]          (clinical; audited)
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from shared.contract.base import Request, Response, ShortText

# the 7-point global photographic assessment, follow-up relative to baseline
SCALE: dict[int, str] = {
    -3: "Greatly decreased",
    -2: "Moderately decreased",
    -1: "Slightly decreased",
    0: "No change",
    1: "Slightly increased",
    2: "Moderately increased",
    3: "Greatly increased",
}
FollowUpMonth = Annotated[int, msgspec.Meta(ge=1, le=600)]
ReasonText = Annotated[str, msgspec.Meta(max_length=500)]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=86_400)]
TaskToken = Annotated[str, msgspec.Meta(min_length=10, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class RoundStatus(StrEnum):
    OPEN = "open"  # raters are scoring
    CLOSED = "closed"  # no more scores; results final


class CannotRateReason(StrEnum):
    BLURRED = "blurred"
    DIFFERENT_ANGLE = "different_angle"
    HAIR_STYLED_DIFFERENTLY = "hair_styled_differently"
    LIGHTING = "lighting"


CANNOT_RATE_LABELS: dict[CannotRateReason, str] = {
    CannotRateReason.BLURRED: "Blurred",
    CannotRateReason.DIFFERENT_ANGLE: "Different angle",
    CannotRateReason.HAIR_STYLED_DIFFERENTLY: "Hair styled differently",
    CannotRateReason.LIGHTING: "Lighting",
}


class RoundCreate(Request, kw_only=True):
    """A new round. Without `patient_ids`, every patient with research consent and both photos
    ready is included; named patients must have research consent. `views` defaults to the clinic's
    protocol. Creating the round draws the pairs and every rater's shuffled queue."""

    name: ShortText
    months: Annotated[list[FollowUpMonth], msgspec.Meta(min_length=1, max_length=24)]
    views: Annotated[list[ShortText], msgspec.Meta(max_length=5)] | None = None
    patient_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=100_000)] | None = None
    rater_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=20)]
    retest_fraction: Annotated[float, msgspec.Meta(ge=0, le=0.5)] = 0.1


class RaterProgress(Response, kw_only=True):
    staff_id: uuid.UUID
    name: str
    done: int
    total: int


class RoundOut(Response, kw_only=True):
    id: uuid.UUID
    name: str
    months: list[int]
    views: list[str]
    status: RoundStatus
    pairs: int  # distinct baseline/follow-up pairs
    retest_pairs: int  # of those, shown twice to every rater
    raters: list[RaterProgress]
    created_at: datetime
    closed_at: datetime | None
    published_at: datetime | None = None  # released early: provisional figures shown until closed
    # the caller's own queue when they rate this round
    my_done: int | None = None
    my_total: int | None = None


class KeyPair(Response, kw_only=True):
    """One pair of the round, un-blinded: for the admin who set the round up."""

    patient_id: uuid.UUID
    patient_name: str
    record_number: str
    view: str
    month: int
    baseline_photo_id: uuid.UUID
    followup_photo_id: uuid.UUID
    retest: bool
    consensus: float | None
    raters: int


class RoundKey(Response, kw_only=True):
    round_id: uuid.UUID
    pairs: list[KeyPair]


class BlindPair(Response, kw_only=True):
    """One presentation, as the rater sees it: a token and two image links, nothing else."""

    token: str
    left_url: str
    right_url: str


class RaterQueue(Response, kw_only=True):
    """Where the rater is: `pair` to score now (None when the queue is done) and `preload`, the one
    after it, whose images the rater view fetches ahead."""

    done: int
    total: int
    pair: BlindPair | None
    preload: BlindPair | None
    can_undo: bool  # the last score was given in this sitting
    links_expire_at: datetime


class ScoreSubmit(Request, kw_only=True):
    """A score for the presentation `token`: `score` is the RIGHT photo compared with the LEFT one
    (-3 greatly decreased ... +3 greatly increased); the backend, which alone knows which side was
    the baseline, stores it as follow-up relative to baseline. Or `cannot_rate` with its reason.
    A presentation already scored is changed only with a `reason`."""

    score: int | None = None  # -3..+3; outside it: score_out_of_range
    cannot_rate: CannotRateReason | None = None
    seconds_taken: Seconds | None = None
    sitting: uuid.UUID | None = None  # made by the rater view when it opens; undo stays within it
    reason: ReasonText = ""


class UndoRequest(Request, kw_only=True):
    sitting: uuid.UUID


class Estimate(Response, kw_only=True):
    """A statistic with its 95% confidence interval (None where it cannot be estimated)."""

    value: float | None
    low: float | None
    high: float | None
    n: int  # pairs (or repeated pairs) it rests on
    method: str  # how the interval was found
    note: str = ""  # why the value or its interval is missing: "too few pairs", "not enough variation"


class ViewAgreement(Response, kw_only=True):
    view: str  # "all" for the whole round
    pairs: int
    alpha: Estimate  # Krippendorff's alpha, ordinal
    icc: Estimate  # ICC(2,1), two-way random, absolute agreement, single rater


class RaterPairKappa(Response, kw_only=True):
    rater_a: str
    rater_b: str
    kappa: Estimate  # Cohen's kappa, quadratic weights


class RetestAgreement(Response, kw_only=True):
    rater: str
    repeated: int
    identical: Estimate  # share of repeats scored exactly the same
    kappa: Estimate  # quadratic-weighted kappa between first and repeated score


class Agreement(Response, kw_only=True):
    round_id: uuid.UUID
    round_name: str
    status: RoundStatus
    raters: list[str]
    overall: ViewAgreement
    views: list[ViewAgreement]
    kappas: list[RaterPairKappa]
    retest: list[RetestAgreement]
    scores: int  # current scores that count (cannot rate excluded)
    cannot_rate: int
    bootstrap_resamples: int
    seed: int


class ConsensusScore(Response, kw_only=True):
    """The median of the raters' scores for one view and follow-up month, from the newest round
    that rated it and was released (closed: final; published while open: provisional). A round
    still open and not published is left out everywhere, so an earlier round's figure stays."""

    view: str
    month: int
    score: float
    raters: int
    round_name: str
    final: bool = True  # False: provisional, the round was published but is still open
    round_id: uuid.UUID | None = None
    agreement: float | None = None  # the panel's Krippendorff's alpha (None: too few pairs)
    agreement_pairs: int = 0  # the pairs it rests on
    followup_taken_at: datetime | None = None  # when the rated follow-up photo was taken
