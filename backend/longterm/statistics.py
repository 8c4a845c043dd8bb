"""The statistics of the durability section as small pure functions, each a thin call into a
maintained library (statsmodels, lifelines); no formula is written out here."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class Rate:
    events: int
    exposure: float
    rate: float | None
    low: float | None
    high: float | None


def poisson_rate_exact(events: int, exposure: float) -> Rate:
    """Events per unit of exposure with the exact (Garwood, central) 95% Poisson interval
    (statsmodels confint_poisson, method 'exact-c')."""
    from statsmodels.stats.rates import confint_poisson

    if exposure <= 0:
        return Rate(events, exposure, None, None, None)
    low, high = confint_poisson(events, exposure, method="exact-c", alpha=ALPHA)
    low = 0.0 if events == 0 else low  # the exact lower bound of no events is 0 (statsmodels gives nan)
    return Rate(events, exposure, events / exposure, _finite(low), _finite(high))


@dataclass(frozen=True)
class LossStep:
    month: float
    at_risk: int  # courses still followed, and still improved, at this month
    kept: float  # Kaplan-Meier survival: still improved
    low: float | None
    high: float | None


@dataclass(frozen=True)
class LossCurve:
    n: int
    events: int
    median_months: float | None  # None while fewer than half have lost the effect
    steps: list[LossStep]


def loss_kaplan_meier(durations: Sequence[float], lost: Sequence[int], months: Sequence[float]) -> LossCurve:
    """Kaplan-Meier of the months from a course's end to the loss of its effect (lifelines
    KaplanMeierFitter, exponential Greenwood 95% intervals), read at `months` within the follow-up."""
    from lifelines import KaplanMeierFitter

    if not durations:
        return LossCurve(0, 0, None, [])
    fitter = KaplanMeierFitter(alpha=ALPHA)
    fitter.fit(np.asarray(durations, dtype=float), event_observed=np.asarray(lost, dtype=int))
    bounds = fitter.confidence_interval_survival_function_
    steps = []
    for month in months:
        if month > max(durations):
            break
        low, high = bounds.loc[:month].iloc[-1]
        steps.append(LossStep(
            month=float(month), at_risk=sum(1 for d in durations if d >= month),
            kept=float(fitter.survival_function_at_times(month).iloc[0]), low=_finite(low), high=_finite(high),
        ))
    return LossCurve(len(durations), int(sum(lost)), _finite(fitter.median_survival_time_), steps)
