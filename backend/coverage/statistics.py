"""The coverage index's reliability as small pure functions over arrays.

Repeatability from two captures of one view in one sitting: the within-subject standard deviation
from paired differences (SEM = sqrt(sum d^2 / 2n), the root of one-way ANOVA's within mean square
for pairs), its coefficient of variation (SEM over the grand mean, in percent) and the smallest
detectable change at 95%, 1.96 x sqrt(2) x SEM. Agreement with the blinded raters: Spearman's rho
(scipy) with the Fisher-z interval using Bonett and Wright's (2000) variance, (1 + rho^2 / 2) / (n - 3).
Tests hold each to a computation of their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
TOO_FEW = "too few pairs"
NO_VARIATION = "not enough variation"
MIN_REPEAT_PAIRS = 3
MIN_RHO_PAIRS = 5


@dataclass(frozen=True)
class Repeatability:
    pairs: int
    sem: float | None  # points
    cv_percent: float | None
    sdc: float | None  # points
    note: str = ""


@dataclass(frozen=True)
class Rho:
    value: float | None
    low: float | None
    high: float | None
    n: int
    note: str = ""


def repeatability(first: np.ndarray, second: np.ndarray) -> Repeatability:
    """From the two figures of each repeat pair (same view, one sitting)."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = int(a.size)
    if n < MIN_REPEAT_PAIRS:
        return Repeatability(n, None, None, None, TOO_FEW)
    sem = math.sqrt(float(((a - b) ** 2).sum()) / (2 * n))
    mean = float((a.sum() + b.sum()) / (2 * n))
    cv = 100.0 * sem / mean if mean > 0 else None
    return Repeatability(n, sem, cv, Z95 * math.sqrt(2.0) * sem)


def spearman(x: np.ndarray, y: np.ndarray) -> Rho:
    """Spearman's rho of paired figures with its 95% interval (n and a note always)."""
    from scipy.stats import spearmanr

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = int(a.size)
    if n < MIN_RHO_PAIRS:
        return Rho(None, None, None, n, TOO_FEW)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return Rho(None, None, None, n, NO_VARIATION)
    rho = float(spearmanr(a, b).statistic)
    if abs(rho) >= 1.0:
        return Rho(rho, rho, rho, n)
    spread = Z95 * math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    z = math.atanh(rho)
    return Rho(rho, math.tanh(z - spread), math.tanh(z + spread), n)
