"""The coverage index on the wire: a figure per photo with its change from the view's baseline,
the recompute request, and the index's reliability on the clinic's own photos."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from shared.contract.base import Request, Response, published
from shared.coverage import METHODS, CoverageRefusal

Points = Annotated[float, msgspec.Meta(ge=-100, le=100)]


class CoverageCell(Response, kw_only=True):
    """One timeline cell's coverage index (the photo the cell shows): the share of the view's
    region where scalp shows (0..100, an index of visible scalp, not a hair count) or the reason
    there is none, and the change from the view's first figure in points and in percent."""

    photo_id: uuid.UUID
    view: str
    month: int
    method: Annotated[str, msgspec.Meta(max_length=20)]
    value: Annotated[float, msgspec.Meta(ge=0, le=100)] | None
    refusal: CoverageRefusal | None = None
    message: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    baseline_month: int | None = None  # the month the change is counted from
    change_points: Points | None = None  # value minus the baseline value
    change_percent: Annotated[float, msgspec.Meta(ge=-100, le=1e6)] | None = None  # relative to the baseline value


class CoverageRecompute(Request, kw_only=True):
    """Work a photo's coverage index out again under a method (the current one by default)."""

    method: Annotated[str, msgspec.Meta(min_length=1, max_length=20), published(enum=list(METHODS))] = METHODS[-1]


class CoverageOut(Response, kw_only=True):
    photo_id: uuid.UUID
    view: str
    method: str
    value: float | None
    refusal: CoverageRefusal | None = None
    message: str | None = None


class Estimate(Response, kw_only=True):
    value: float | None
    low: float | None = None
    high: float | None = None
    n: int
    note: str | None = None


class CoverageReliability(Response, kw_only=True):
    """How far the clinic can trust its own index. Repeatability from two captures of one view in
    one sitting: within-subject SD (the standard error of measurement), its coefficient of
    variation and the smallest detectable change, 1.96 x sqrt(2) x SEM, in points. Agreement with
    the blinded raters: Spearman's rho between the consensus score and the fall in visible scalp
    from baseline, over the rated pairs (positive when both see the same change)."""

    method: str
    pairs: int  # repeat pairs used
    sem_points: float | None
    cv_percent: float | None
    sdc_points: float | None
    rho: Estimate
    note: str
