"""Random-effects meta-analysis of the clinics' figures, as small pure functions over arrays.

The pooling is statsmodels' `combine_effects` (DerSimonian-Laird: `method_re="chi2"`; Paule-Mandel:
`method_re="iterated"`), checked in tests against the BCG vaccine example that metafor and statsmodels
publish. The one figure statsmodels does not give is the prediction interval: Higgins, Thompson and
Spiegelhalter (2009), mu +/- t(k-2) * sqrt(tau^2 + se(mu)^2), the range where a new clinic's own
effect is expected to fall.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
METHODS = {"dl": "chi2", "pm": "iterated"}
METHOD_LABELS = {"dl": "DerSimonian-Laird", "pm": "Paule-Mandel"}
# a share is pooled on the log-odds scale; a cell of 0 or n gets half an event either side
CONTINUITY = 0.5


@dataclass(frozen=True)
class Pooled:
    """A random-effects pooled estimate with its spread across clinics."""

    method: str
    k: int  # studies (clinics) pooled
    estimate: float
    se: float
    low: float
    high: float
    tau2: float
    i2: float  # share of the variation beyond chance, 0..1
    q: float
    prediction_low: float | None  # None with fewer than 3 studies (t with k-2 degrees of freedom)
    prediction_high: float | None
    weights: tuple[float, ...]  # random-effects weights, summing to 1, in the order given


def random_effects(effects: Sequence[float], variances: Sequence[float], *, method: str = "dl") -> Pooled:
    """Pool per-study effects with their sampling variances (statsmodels `combine_effects`)."""
    from scipy.stats import t
    from statsmodels.stats.meta_analysis import combine_effects

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {sorted(METHODS)}")
    eff = np.asarray(effects, dtype=float)
    var = np.asarray(variances, dtype=float)
    if eff.shape != var.shape or eff.size < 2:
        raise ValueError("at least two studies, each with an effect and a variance")
    result = combine_effects(eff, var, method_re=METHODS[method], use_t=False, alpha=1 - CONFIDENCE)
    intervals = result.conf_int(alpha=1 - CONFIDENCE, use_t=False)
    if float(result.tau2) < 0:
        # statsmodels 0.15 leaves the DerSimonian-Laird moment estimate untruncated; DerSimonian and
        # Laird (1986) take 0, where the random-effects figures are the fixed-effect ones of the same fit
        mu, se, tau2 = float(result.mean_effect_fe), float(result.sd_eff_w_fe), 0.0
        low, high = (float(x) for x in intervals[0])
    else:
        mu, se, tau2 = float(result.mean_effect_re), float(result.sd_eff_w_re), float(result.tau2)
        low, high = (float(x) for x in intervals[1])
    k = int(eff.size)
    if k >= 3:
        half = float(t.ppf(0.5 + CONFIDENCE / 2, k - 2)) * math.sqrt(tau2 + se**2)
        prediction = (mu - half, mu + half)
    else:
        prediction = (None, None)
    weights = 1.0 / (var + tau2)
    return Pooled(
        method=method, k=k, estimate=mu, se=se, low=low, high=high, tau2=tau2,
        i2=max(0.0, float(result.i2)), q=float(result.q), prediction_low=prediction[0], prediction_high=prediction[1],
        weights=tuple(float(w) for w in weights / weights.sum()),
    )


def mean_effect(mean: float, sd: float, n: int) -> tuple[float, float]:
    """A clinic's mean with the variance of that mean (sd^2 / n)."""
    return float(mean), float(sd) ** 2 / int(n)


def log_odds(events: int, n: int) -> tuple[float, float]:
    """A share as log odds with its variance (1/a + 1/b), half an event added when a cell is empty."""
    a, b = float(events), float(n - events)
    if a == 0 or b == 0:
        a, b = a + CONTINUITY, b + CONTINUITY
    return math.log(a / b), 1 / a + 1 / b


def inverse_logit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def log_risk_ratio(a: int, n1: int, c: int, n2: int) -> tuple[float, float]:
    """log(risk in group 1 / risk in group 2) with its variance, as metafor's escalc(measure="RR")."""
    return math.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2
