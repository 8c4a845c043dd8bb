"""Random-effects pooling against the published BCG vaccine example and an independent computation.

The example: 13 trials of the BCG vaccine against tuberculosis (Colditz et al. 1994), as metafor
ships them (`dat.bcg`) and documents them: log risk ratios from `escalc(measure="RR")`, then
`rma(yi, vi, method="DL")` prints estimate -0.7141 (se 0.1787, 95% CI -1.0644 to -0.3638),
tau^2 0.3088, I^2 92.12%, Q(df = 12) 152.2330; `method="PM"` gives -0.7150 (se 0.1809) with tau^2 0.3181.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from backend.registry import pooling

# trial: vaccinated TB+, TB-, unvaccinated TB+, TB- (metafor's dat.bcg: tpos, tneg, cpos, cneg)
BCG = [
    ("Aronson 1948", 4, 119, 11, 128),
    ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal et al 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere et al 1973", 8, 2537, 10, 619),
    ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
    ("Rosenthal et al 1961", 17, 1699, 65, 1600),
    ("Comstock et al 1974", 186, 50448, 141, 27197),
    ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock et al 1976", 27, 16886, 29, 17825),
]
# metafor's escalc(measure="RR") yi and vi, as its documentation prints them (4 decimals)
PUBLISHED_YI = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694, -1.3713, -0.3394, 0.4459, -0.0173]
PUBLISHED_VI = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124, 0.5325, 0.0714]


def bcg_effects() -> tuple[list[float], list[float]]:
    pairs = [pooling.log_risk_ratio(a, a + b, c, c + d) for _, a, b, c, d in BCG]
    return [y for y, _ in pairs], [v for _, v in pairs]


def test_the_effect_sizes_are_metafors():
    yi, vi = bcg_effects()
    assert yi == pytest.approx(PUBLISHED_YI, abs=5e-5)
    assert vi == pytest.approx(PUBLISHED_VI, abs=5e-5)


def test_dersimonian_laird_equals_the_published_bcg_example():
    result = pooling.random_effects(*bcg_effects(), method="dl")
    assert result.k == 13
    assert result.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert result.se == pytest.approx(0.1787, abs=5e-5)
    assert (result.low, result.high) == (pytest.approx(-1.0644, abs=5e-5), pytest.approx(-0.3638, abs=5e-5))
    assert result.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert result.i2 == pytest.approx(0.9212, abs=5e-5)
    assert result.q == pytest.approx(152.2330, abs=5e-4)
    # the pooled risk ratio: the vaccine about halves the risk of tuberculosis
    assert math.exp(result.estimate) == pytest.approx(0.4896, abs=5e-4)


def test_paule_mandel_equals_the_published_bcg_example():
    result = pooling.random_effects(*bcg_effects(), method="pm")
    assert result.estimate == pytest.approx(-0.7150, abs=5e-5)
    assert result.se == pytest.approx(0.1809, abs=5e-5)
    assert result.tau2 == pytest.approx(0.3181, abs=5e-5)


def independent(effects, variances, method):
    """The textbook formulas written out, none of statsmodels: DerSimonian & Laird (1986) moment
    estimator, or Paule & Mandel (1982): the tau^2 at which the generalised Q equals k - 1."""
    y, v = np.asarray(effects, float), np.asarray(variances, float)
    k = len(y)
    w = 1 / v
    mu_fixed = (w * y).sum() / w.sum()
    q = (w * (y - mu_fixed) ** 2).sum()
    if method == "dl":
        tau2 = max(0.0, (q - (k - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    else:
        def excess(t2):
            ws = 1 / (v + t2)
            m = (ws * y).sum() / ws.sum()
            return (ws * (y - m) ** 2).sum() - (k - 1)
        tau2 = 0.0 if excess(0.0) <= 0 else optimize.brentq(excess, 0.0, 100.0, xtol=1e-12)
    ws = 1 / (v + tau2)
    mu = (ws * y).sum() / ws.sum()
    se = math.sqrt(1 / ws.sum())
    z = stats.norm.ppf(0.975)
    half_pi = stats.t.ppf(0.975, k - 2) * math.sqrt(tau2 + se**2) if k >= 3 else None
    return {
        "estimate": mu, "se": se, "low": mu - z * se, "high": mu + z * se, "tau2": tau2,
        "i2": max(0.0, (q - (k - 1)) / q), "q": q,
        "prediction": (mu - half_pi, mu + half_pi) if half_pi else (None, None),
        "weights": tuple(ws / ws.sum()),
    }


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_pooling_equals_the_formulas_written_out(method):
    yi, vi = bcg_effects()
    result = pooling.random_effects(yi, vi, method=method)
    expected = independent(yi, vi, method)
    for name in ("estimate", "se", "low", "high", "tau2", "i2", "q"):
        assert getattr(result, name) == pytest.approx(expected[name], rel=1e-7), name
    assert (result.prediction_low, result.prediction_high) == pytest.approx(expected["prediction"], rel=1e-7)
    assert result.weights == pytest.approx(expected["weights"], rel=1e-7)
    # the prediction interval is wider than the confidence interval when clinics differ
    assert result.prediction_low < result.low and result.prediction_high > result.high


def test_two_studies_have_no_prediction_interval_and_one_is_refused():
    result = pooling.random_effects([0.5, 0.7], [0.04, 0.05])
    assert result.prediction_low is None and result.prediction_high is None
    with pytest.raises(ValueError):
        pooling.random_effects([0.5], [0.04])


def test_a_share_is_pooled_on_the_log_odds_scale_with_half_an_event_for_an_empty_cell():
    assert pooling.log_odds(3, 10) == pytest.approx((math.log(3 / 7), 1 / 3 + 1 / 7))
    assert pooling.log_odds(0, 10) == pytest.approx((math.log(0.5 / 10.5), 1 / 0.5 + 1 / 10.5))
    assert pooling.inverse_logit(math.log(3 / 7)) == pytest.approx(0.3)


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_clinics_that_agree_more_than_chance_have_no_heterogeneity(method):
    # Q below its degrees of freedom: tau^2 is 0 and the pooled figures are the fixed-effect ones
    effects, variances = [0.1, 0.1001, 0.0999, 0.1002], [0.04, 0.05, 0.03, 0.06]
    result = pooling.random_effects(effects, variances, method=method)
    expected = independent(effects, variances, method)
    assert result.tau2 == 0 == expected["tau2"] and result.i2 == 0
    assert result.estimate == pytest.approx(expected["estimate"]) and result.se == pytest.approx(expected["se"])
    assert result.prediction_low < result.low
