"""The statistics of the outcomes page against published worked examples and against the same
library run on the expanded values (the SQL hands over (value, count) pairs)."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from backend.outcomes import statistics


def test_the_mean_from_counts_is_the_mean_of_the_values():
    values, counts = [-1.0, 0.0, 0.5, 2.0], [2, 3, 1, 4]
    expanded = np.repeat(values, counts)
    result = statistics.mean_t_interval(values, counts)
    from scipy import stats

    low, high = stats.t.interval(0.95, len(expanded) - 1, loc=expanded.mean(), scale=stats.sem(expanded))
    assert result.n == 10 and result.mean == pytest.approx(expanded.mean())
    assert (result.low, result.high) == (pytest.approx(low), pytest.approx(high))
    assert statistics.mean_t_interval([1.0], [1]) == statistics.MeanInterval(1, 1.0, None, None)


def test_clopper_pearson_matches_the_published_exact_interval():
    # 0 events in 10: the exact upper bound is 1 - 0.025 ** (1/10) = 0.3085 (Clopper & Pearson 1934)
    none = statistics.proportion_exact(0, 10)
    assert none.low == 0 and none.high == pytest.approx(0.308497, abs=1e-6)
    # 5 of 10: 0.1871 to 0.8129
    half = statistics.proportion_exact(5, 10)
    assert (half.low, half.high) == (pytest.approx(0.187086, abs=1e-6), pytest.approx(0.812914, abs=1e-6))


def test_wilson_matches_the_published_interval():
    # Newcombe (1998), example 81/263: 0.2553 to 0.3662
    result = statistics.proportion_wilson(81, 263)
    assert (result.low, result.high) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))


def test_kaplan_meier_from_counts_equals_the_patient_by_patient_fit():
    durations, improved, counts = [3, 3, 6, 6, 9, 12, 12], [1, 0, 1, 0, 1, 1, 0], [4, 2, 5, 3, 2, 1, 3]
    result = statistics.kaplan_meier(durations, improved, counts)
    fitter = KaplanMeierFitter().fit(np.repeat(durations, counts), np.repeat(improved, counts))
    assert result.n == 20 and result.events == 12
    for step in result.steps:
        assert step.share_improved == pytest.approx(1 - fitter.survival_function_.loc[step.month].iloc[0])
        assert step.at_risk == int(fitter.event_table.loc[step.month, "at_risk"])
    assert result.median_months == fitter.median_survival_time_


def test_fisher_one_sided_matches_the_lady_tasting_tea():
    # Fisher (1935): 3 of 4 cups right each way, one-sided p = 17/70
    assert statistics.lot_excess(3, 4, 1, 4).p_value == pytest.approx(17 / 70)


def test_holm_sidak_step_down():
    # three tests: the smallest against 1-(1-p)^3, the next 1-(1-p)^2 (kept monotone), the last p
    adjusted = statistics.holm_sidak([0.01, 0.04, 0.03])
    assert adjusted[0] == pytest.approx(1 - 0.99 ** 3)
    assert adjusted[2] == pytest.approx(1 - 0.97 ** 2)
    assert adjusted[1] == pytest.approx(max(0.04, adjusted[2]))
