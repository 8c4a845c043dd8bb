"""The statistics of the outcomes page as small pure functions over aggregates, each a thin call
into a maintained library (statsmodels, scipy, lifelines); no formula is written out here.

The SQL gives distributions, (value, number of patients) pairs, so a mean and its interval are
computed with frequency weights: exactly what the same library gives on the patients' own values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE


@dataclass(frozen=True)
class MeanInterval:
    n: int
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ProportionInterval:
    n: int
    events: int
    share: float | None
    low: float | None
    high: float | None


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def mean_t_interval(values: Sequence[float], counts: Sequence[int]) -> MeanInterval:
    """The mean with its 95% Student t interval (statsmodels DescrStatsW with frequency weights).
    One patient has a mean but no interval."""
    from statsmodels.stats.weightstats import DescrStatsW

    n = int(sum(counts))
    if n == 0:
        return MeanInterval(0, None, None, None)
    stats = DescrStatsW(np.asarray(values, dtype=float), weights=np.asarray(counts, dtype=float), ddof=1)
    if n < 2:
        return MeanInterval(n, float(stats.mean), None, None)
    low, high = stats.tconfint_mean(alpha=ALPHA)
    return MeanInterval(n, float(stats.mean), _finite(low), _finite(high))


def proportion_wilson(events: int, n: int) -> ProportionInterval:
    """A share with its 95% Wilson score interval (statsmodels proportion_confint)."""
    return _proportion(events, n, "wilson")


def proportion_exact(events: int, n: int) -> ProportionInterval:
    """A rate with its exact 95% Clopper-Pearson interval (statsmodels proportion_confint, 'beta')."""
    return _proportion(events, n, "beta")


def proportions_exact(events: Sequence[int], n: int) -> list[ProportionInterval]:
    """Several rates of the same n with their exact intervals, in one vectorised statsmodels call
    (the same numbers as proportion_exact one by one, a quarter of the calls on a page of lots)."""
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return [ProportionInterval(0, 0, None, None, None) for _ in events]
    lows, highs = proportion_confint(np.asarray(events, dtype=int), n, alpha=ALPHA, method="beta")
    return [
        ProportionInterval(n, int(e), e / n, _finite(float(low)), _finite(float(high)))
        for e, low, high in zip(events, lows, highs)
    ]


def _proportion(events: int, n: int, method: str) -> ProportionInterval:
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return ProportionInterval(0, 0, None, None, None)
    low, high = proportion_confint(events, n, alpha=ALPHA, method=method)
    return ProportionInterval(n, events, events / n, _finite(low), _finite(high))


def weighted_median(values: Sequence[float], counts: Sequence[int]) -> float | None:
    if not values or sum(counts) == 0:
        return None
    return float(np.median(np.repeat(np.asarray(values, dtype=float), np.asarray(counts, dtype=int))))


@dataclass(frozen=True)
class SurvivalStep:
    month: int
    at_risk: int
    improved: int  # events at this month
    censored: int
    share_improved: float  # 1 - Kaplan-Meier survival
    low: float | None
    high: float | None


@dataclass(frozen=True)
class TimeToImprovement:
    n: int
    events: int
    median_months: float | None  # None while fewer than half have improved
    steps: list[SurvivalStep]


def kaplan_meier(durations: Sequence[int], improved: Sequence[int], counts: Sequence[int]) -> TimeToImprovement:
    """Kaplan-Meier of the time to the first consensus of +1 or better (lifelines
    KaplanMeierFitter with frequency weights; exponential Greenwood 95% intervals). The curve is
    shown as the share improved (1 - survival)."""
    from lifelines import KaplanMeierFitter

    n = int(sum(counts))
    if n == 0:
        return TimeToImprovement(0, 0, None, [])
    fitter = KaplanMeierFitter(alpha=ALPHA)
    fitter.fit(
        np.asarray(durations, dtype=float), event_observed=np.asarray(improved, dtype=int),
        weights=np.asarray(counts, dtype=float),
    )
    table = fitter.event_table
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_survival_function_
    steps = []
    for month in table.index:
        if month == 0:
            continue
        row = table.loc[month]
        steps.append(
            SurvivalStep(
                month=int(month),
                at_risk=int(round(row["at_risk"])),
                improved=int(round(row["observed"])),
                censored=int(round(row["censored"])),
                share_improved=float(1 - survival.loc[month]),
                low=_finite(1 - bounds.iloc[:, 1].loc[month]),
                high=_finite(1 - bounds.iloc[:, 0].loc[month]),
            )
        )
    median = fitter.median_survival_time_
    events = int(sum(c for c, e in zip(counts, improved) if e))
    return TimeToImprovement(n, events, _finite(median), steps)


@dataclass(frozen=True)
class LotTest:
    lot_events: int
    lot_sessions: int
    rest_events: int
    rest_sessions: int
    p_value: float


def lot_excess(lot_events: int, lot_sessions: int, rest_events: int, rest_sessions: int) -> LotTest:
    """Fisher's exact test, one-sided: is this lot's rate of sessions with the event higher than
    the rest of the treatment's lots? (scipy.stats.fisher_exact, alternative='greater')."""
    from scipy.stats import fisher_exact

    table = [[lot_events, lot_sessions - lot_events], [rest_events, rest_sessions - rest_events]]
    _, p_value = fisher_exact(table, alternative="greater")
    return LotTest(lot_events, lot_sessions, rest_events, rest_sessions, float(p_value))


def holm_sidak(p_values: Iterable[float]) -> list[float]:
    """Holm-Sidak step-down adjusted p-values (statsmodels multipletests, 'holm-sidak'), for testing
    every lot of a treatment at once. (Its plain 'holm' branch runs a full gc.collect() per call.)"""
    from statsmodels.stats.multitest import multipletests

    values = list(p_values)
    if not values:
        return []
    with np.errstate(divide="ignore"):  # a p-value of exactly 1 takes log1p(-1); its adjusted value is 1
        adjusted = multipletests(values, alpha=ALPHA, method="holm-sidak")[1]
    return [float(p) for p in adjusted]
