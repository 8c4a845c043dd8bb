"""Rater agreement as small pure functions over arrays, on the 7-point scale (-3..+3).

Point estimates come from maintained libraries: Krippendorff's alpha from `krippendorff`, ICC(2,1)
and its F-based interval from `pingouin`, quadratic-weighted kappa from scikit-learn (fed the 7 x 7
table as weighted cells, not one row per pair). The tests hold each to published worked examples
and to the textbook formulas computed independently.
Where a library gives no interval, a seeded bootstrap over pairs gives a 95% percentile interval;
its resamples are computed from the same formulas vectorised (units with the same pattern of
scores are pooled, so 2,000 resamples of 10,000 pairs take milliseconds), and the tests hold those
formulas to the libraries. The heavy libraries are imported on first use, not at import.

A figure that cannot be estimated is None with a `note` saying why: too few pairs, or not enough
variation (every score the same: the formulas would divide zero by zero).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

LEVELS = np.arange(-3, 4)  # the scale's values, in order
RESAMPLES = 2000
CONFIDENCE = 0.95
TOO_FEW = "too few pairs"
NO_VARIATION = "not enough variation"


@dataclass(frozen=True)
class Interval:
    value: float | None
    low: float | None
    high: float | None
    n: int
    method: str
    note: str = ""  # why the value or the interval is missing


def _none(n: int, method: str, note: str = TOO_FEW) -> Interval:
    return Interval(None, None, None, n, method, note)


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _percentiles(replicates: np.ndarray) -> tuple[float | None, float | None]:
    finite = replicates[np.isfinite(replicates)]
    if finite.size < len(replicates) * 0.5:
        return None, None
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


# --- Krippendorff's alpha, ordinal -----------------------------------------------------------


def value_counts(matrix: np.ndarray) -> np.ndarray:
    """Units x 7 counts of each scale value, from a raters x units matrix with NaN for no score."""
    return np.stack([(matrix == level).sum(axis=0) for level in LEVELS], axis=1)


def _unit_coincidences(counts: np.ndarray) -> np.ndarray:
    """Each unit's coincidence matrix (units x values x values): pairs of values within the unit, divided by
    m_u - 1, for units with at least two values (Krippendorff 2011, section C)."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    c = counts[pairable].astype(float)
    outer = c[:, :, None] * c[:, None, :] - np.einsum("uc,ck->uck", c, np.eye(c.shape[1]))
    return outer / (m[pairable] - 1)[:, None, None]


def alpha_from_coincidences(o: np.ndarray) -> np.ndarray:
    """Ordinal alpha from coincidence matrices (... x k x k, k ordered values): 1 - (n - 1) sum(o d) / sum(n_c n_k d),
    with the ordinal metric d_ck = (sum of n_g for g from c to k - (n_c + n_k) / 2)^2."""
    n_c = o.sum(axis=-1)
    n = n_c.sum(axis=-1)
    cumulative = np.cumsum(n_c, axis=-1)
    # sum_{g=c..k} n_g for c <= k is cumulative[k] - cumulative[c] + n_c
    span = cumulative[..., None, :] - cumulative[..., :, None] + n_c[..., :, None]
    span = np.where(np.triu(np.ones(o.shape[-2:], dtype=bool)), span, np.swapaxes(span, -1, -2))
    delta = (span - (n_c[..., :, None] + n_c[..., None, :]) / 2) ** 2
    observed = (o * delta).sum(axis=(-1, -2))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-1, -2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - (n - 1) * observed / expected


def krippendorff_alpha(matrix: np.ndarray, *, seed: int, resamples: int = RESAMPLES) -> Interval:
    """Ordinal alpha of a raters x units matrix (NaN = no score), with a bootstrap interval over units."""
    import krippendorff

    counts = value_counts(matrix)
    counts = counts[counts.sum(axis=1) >= 2]
    method = f"bootstrap over pairs, {resamples} resamples"
    if len(counts) < 2:
        return _none(len(counts), method)
    if ((counts > 0).any(axis=0)).sum() < 2:  # one value only: no disagreement to expect
        return _none(len(counts), method, NO_VARIATION)
    value = krippendorff.alpha(value_counts=counts, level_of_measurement="ordinal", value_domain=list(LEVELS))
    # the distinct patterns of counts in lexicographic order (as np.unique(axis=0) gives them), found
    # through one integer per unit: each count is a digit in base (most raters on one value + 1)
    digits = (int(counts.max()) + 1) ** np.arange(counts.shape[1] - 1, -1, -1, dtype=np.int64)
    _, first_at, multiplicity = np.unique(counts.astype(np.int64) @ digits, return_index=True, return_counts=True)
    patterns = counts[first_at]
    per_pattern = _unit_coincidences(patterns).reshape(len(patterns), -1)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(counts), multiplicity / multiplicity.sum(), size=resamples)
    replicates = alpha_from_coincidences((draws @ per_pattern).reshape(resamples, len(LEVELS), len(LEVELS)))
    low, high = _percentiles(replicates)
    return Interval(_finite(value), low, high, len(counts), method)


# --- ICC(2,1) ----------------------------------------------------------------------------------


def anova_mean_squares(complete: np.ndarray) -> tuple[float, float, float]:
    """The two-way ANOVA's mean squares of a raters x units matrix with no gaps: between units
    (MSR), between raters (MSC) and the residual (MSE)."""
    k, n = complete.shape
    grand = complete.mean()
    ss_total = float(((complete - grand) ** 2).sum())
    ss_units = k * float(((complete.mean(axis=0) - grand) ** 2).sum())
    ss_raters = n * float(((complete.mean(axis=1) - grand) ** 2).sum())
    ss_error = max(0.0, ss_total - ss_units - ss_raters)
    if ss_error <= 1e-12 * max(1.0, ss_total):  # rounding left over from an exact zero
        ss_error = 0.0
    return ss_units / (n - 1), ss_raters / (k - 1), ss_error / ((n - 1) * (k - 1))


def icc_2_1(matrix: np.ndarray) -> Interval:
    """ICC(2,1) (two-way random effects, absolute agreement, one rater: Shrout & Fleiss 1979) over
    the units every rater scored, with pingouin's F-based 95% interval (McGraw & Wong 1996).
    The ANOVA's mean squares are looked at first so that pingouin is never asked to divide by zero:
    every pair's scores averaging the same is "not enough variation" (the ICC is the pairs' share
    of the variance); raters who differ by nothing, or by a fixed offset, give the figure without
    an interval (F = MSR / MSE is infinite)."""
    import pandas as pd
    import pingouin

    complete = matrix[:, ~np.isnan(matrix).any(axis=0)]
    k, n = complete.shape
    method = "F distribution (Shrout & Fleiss 1979)"
    if k < 2 or n < 3:
        return _none(n, method)
    msr, _, mse = anova_mean_squares(complete)
    if msr == 0:
        return _none(n, method, NO_VARIATION)
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n), "score": complete.T.ravel()})
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")  # pingouin 0.7 on pandas 3
        if mse == 0:  # checked above: only the interval's F statistics divide by the zero residual
            warnings.simplefilter("ignore", RuntimeWarning)
        table = pingouin.intraclass_corr(frame, targets="unit", raters="rater", ratings="score")
    row = table.set_index("Type").loc["ICC(A,1)"]  # pingouin's name for ICC(2,1)
    if mse == 0:
        return Interval(_finite(row["ICC"]), None, None, n, method, NO_VARIATION + " for an interval")
    # pingouin rounds its interval to 2 places: the same formula at full precision, as the point
    low, high = icc_2_1_interval(float(row["ICC"]), k, n, *anova_mean_squares(complete))
    return Interval(_finite(row["ICC"]), _finite(low), _finite(high), n, method)


def icc_2_1_interval(icc: float, k: int, n: int, msr: float, msc: float, mse: float) -> tuple[float, float]:
    """The 95% interval of ICC(2,1) (McGraw & Wong 1996, case 2A; what pingouin computes before it
    rounds), with scipy's F quantiles and Satterthwaite's degrees of freedom."""
    from scipy.stats import f

    fj = msc / mse
    vn = (k - 1) * (n - 1) * (k * icc * fj + n * (1 + (k - 1) * icc) - k * icc) ** 2
    vd = (n - 1) * k**2 * icc**2 * fj**2 + (n * (1 + (k - 1) * icc) - k * icc) ** 2
    v = vn / vd
    tail = 1 - (1 - CONFIDENCE) / 2
    upper, lower = f.ppf(tail, n - 1, v), f.ppf(tail, v, n - 1)
    low = n * (msr - upper * mse) / (upper * (k * msc + (k * n - k - n) * mse) + n * msr)
    high = n * (lower * msr - mse) / (k * msc + (k * n - k - n) * mse + n * lower * msr)
    return float(low), float(high)


# --- quadratic-weighted kappa --------------------------------------------------------------------


def _weights(k: int) -> np.ndarray:
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    return (i - j) ** 2 / (k - 1) ** 2


def kappa_from_tables(tables: np.ndarray) -> np.ndarray:
    """Quadratic-weighted kappa from k x k contingency tables (... x k x k) of ordered categories."""
    w = _weights(tables.shape[-1])
    n = tables.sum(axis=(-1, -2))
    expected = tables.sum(axis=-1)[..., :, None] * tables.sum(axis=-2)[..., None, :] / n[..., None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1 - (w * tables).sum(axis=(-1, -2)) / (w * expected).sum(axis=(-1, -2))


def contingency(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    k = len(LEVELS)
    cells = (a.astype(int) + 3) * k + (b.astype(int) + 3)
    return np.bincount(cells, minlength=k * k).reshape(k, k).astype(float)


def weighted_kappa(a: Sequence[float], b: Sequence[float], *, seed: int, resamples: int = RESAMPLES) -> Interval:
    """Cohen's kappa with quadratic weights between two raters' scores of the same units (NaN
    dropped), with a bootstrap interval over units."""
    from sklearn.metrics import cohen_kappa_score

    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    method = f"bootstrap over pairs, {resamples} resamples"
    if len(x) < 2:
        return _none(len(x), method)
    table = contingency(x, y)
    if (table.sum(axis=1) > 0).sum() < 2 and (table.sum(axis=0) > 0).sum() < 2:
        return _none(len(x), method, NO_VARIATION)
    # the library on the table's occupied cells, each weighted by its count: the same kappa as one
    # row per pair, without handing scikit-learn 10,000 rows to count again
    a_at, b_at = np.nonzero(table)
    value = cohen_kappa_score(
        LEVELS[a_at], LEVELS[b_at], weights="quadratic", labels=list(LEVELS), sample_weight=table[a_at, b_at]
    )
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(x), table.ravel() / len(x), size=resamples)
    replicates = kappa_from_tables(draws.reshape(resamples, len(LEVELS), len(LEVELS)).astype(float))
    low, high = _percentiles(replicates)
    return Interval(_finite(value), low, high, len(x), method)


# --- test-retest --------------------------------------------------------------------------------


def identical_share(first: Sequence[float], second: Sequence[float]) -> Interval:
    """The share of repeated pairs given exactly the same score, with the Wilson 95% interval."""
    from scipy.stats import binomtest

    x, y = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    n = int(keep.sum())
    method = "Wilson score interval"
    if n == 0:
        return _none(0, method)
    same = int((x[keep] == y[keep]).sum())
    interval = binomtest(same, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return Interval(same / n, float(interval.low), float(interval.high), n, method)


def median_score(scores: Sequence[int]) -> float:
    """The consensus of raters' scores: the median (a half when two middle scores differ)."""
    ordered = sorted(scores)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2
