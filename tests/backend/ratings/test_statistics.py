"""The agreement statistics against published worked examples, and against computations written
out here from the textbook formulas (independent of the code under test)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from backend.ratings import statistics as stats

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units, values 1-5, blanks missing. Published: nominal .743, ordinal .815, interval .849.
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
])

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges. Published ICC(2,1) = .29
# (ICC(1,1) = .17, ICC(3,1) = .71).
SHROUT_FLEISS_1979 = np.array([
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
], dtype=float)

# Maple's EssayTools QuadraticWeightedKappa examples (scores 1-10): published .758620689655172 and
# .438095238095238.
ESSAY_A = [9, 7, 8, 7, 6, 8, 3, 5, 10]
ESSAY_B = [8, 8, 6, 6, 7, 6, 1, 4, 8]
ESSAY_C = [3, 5, 6, 6, 7, 6, 1, 4, 8]


def _alpha_by_hand(matrix: np.ndarray, values: list[float]) -> float:
    """Krippendorff's ordinal alpha written out: coincidences unit by unit, the ordinal metric from
    the marginals, 1 - (n - 1) * sum(o * d) / sum(n_c * n_k * d)."""
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for unit in matrix.T:
        seen = [index[v] for v in unit if not np.isnan(v)]
        if len(seen) < 2:
            continue
        for i, a in enumerate(seen):
            for j, b in enumerate(seen):
                if i != j:
                    o[a, b] += 1 / (len(seen) - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d = np.zeros_like(o)
    for c in range(len(values)):
        for k in range(len(values)):
            lo, hi = min(c, k), max(c, k)
            d[c, k] = (n_c[lo : hi + 1].sum() - (n_c[c] + n_c[k]) / 2) ** 2
    return 1 - (n - 1) * (o * d).sum() / (np.outer(n_c, n_c) * d).sum()


def _mean_squares(targets_by_raters: np.ndarray) -> tuple[float, float, float]:
    """The two-way ANOVA's mean squares: between targets, between raters, residual."""
    x = targets_by_raters
    n, k = x.shape
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_err = ((x - grand) ** 2).sum() - ss_rows - ss_cols
    return ss_rows / (n - 1), ss_cols / (k - 1), ss_err / ((n - 1) * (k - 1))


def _icc21_by_hand(targets_by_raters: np.ndarray) -> float:
    """ICC(2,1) from the two-way ANOVA mean squares (Shrout & Fleiss 1979, eq. 2)."""
    n, k = targets_by_raters.shape
    bms, jms, ems = _mean_squares(targets_by_raters)
    return (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)


def _icc21_interval_by_hand(targets_by_raters: np.ndarray) -> tuple[float, float]:
    """The 95% interval of ICC(2,1) from McGraw & Wong (1996), case 2A, with scipy's F quantiles."""
    from scipy.stats import f

    n, k = targets_by_raters.shape
    msr, msc, mse = _mean_squares(targets_by_raters)
    icc = _icc21_by_hand(targets_by_raters)
    fj = msc / mse
    vn = (k - 1) * (n - 1) * (k * icc * fj + n * (1 + (k - 1) * icc) - k * icc) ** 2
    vd = (n - 1) * k**2 * icc**2 * fj**2 + (n * (1 + (k - 1) * icc) - k * icc) ** 2
    v = vn / vd
    upper, lower = f.ppf(0.975, n - 1, v), f.ppf(0.975, v, n - 1)
    low = n * (msr - upper * mse) / (upper * (k * msc + (k * n - k - n) * mse) + n * msr)
    high = n * (lower * msr - mse) / (k * msc + (k * n - k - n) * mse + n * lower * msr)
    return low, high


def _kappa_by_hand(a, b, categories) -> float:
    index = {v: i for i, v in enumerate(categories)}
    k = len(categories)
    observed = np.zeros((k, k))
    for x, y in zip(a, b):
        observed[index[x], index[y]] += 1
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    w = np.array([[(i - j) ** 2 for j in range(k)] for i in range(k)], dtype=float)
    return 1 - (w * observed).sum() / (w * expected).sum()


def test_krippendorff_ordinal_alpha_matches_krippendorffs_worked_example():
    # the library through our array layout, and our vectorised resampling formula
    counts = np.stack([(KRIPPENDORFF_2011 == v).sum(axis=0) for v in range(1, 6)], axis=1)
    import krippendorff

    assert krippendorff.alpha(value_counts=counts, level_of_measurement="ordinal") == pytest.approx(0.815, abs=5e-4)
    pooled = stats._unit_coincidences(counts[counts.sum(axis=1) >= 2]).sum(axis=0)
    assert float(stats.alpha_from_coincidences(pooled)) == pytest.approx(0.815, abs=5e-4)
    assert _alpha_by_hand(KRIPPENDORFF_2011, [1, 2, 3, 4, 5]) == pytest.approx(0.815, abs=5e-4)


def test_icc21_matches_shrout_and_fleiss_table_2():
    # our matrices are raters x units
    found = stats.icc_2_1(SHROUT_FLEISS_1979.T)
    assert round(found.value, 2) == 0.29
    assert found.value == pytest.approx(_icc21_by_hand(SHROUT_FLEISS_1979), abs=1e-9)
    assert found.low is not None and found.low < found.value < found.high
    assert found.n == 6


def test_quadratic_weighted_kappa_matches_published_examples():
    from sklearn.metrics import cohen_kappa_score

    labels = list(range(1, 11))
    assert cohen_kappa_score(ESSAY_A, ESSAY_B, weights="quadratic", labels=labels) == pytest.approx(0.758620689655172)
    assert cohen_kappa_score(ESSAY_A, ESSAY_C, weights="quadratic", labels=labels) == pytest.approx(0.438095238095238)
    for other, published in ((ESSAY_B, 0.758620689655172), (ESSAY_C, 0.438095238095238)):
        table = np.zeros((10, 10))
        for x, y in zip(ESSAY_A, other):
            table[x - 1, y - 1] += 1
        assert float(stats.kappa_from_tables(table)) == pytest.approx(published)
        assert _kappa_by_hand(ESSAY_A, other, labels) == pytest.approx(published)


def _panel(seed: int, units: int = 300) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(-3, 4, units)
    matrix = np.clip(truth[None, :] + rng.integers(-2, 3, (3, units)), -3, 3).astype(float)
    matrix[rng.random(matrix.shape) < 0.08] = nan
    return matrix


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_statistic_equals_the_textbook_formula_on_rating_panels(seed):
    matrix = _panel(seed)
    alpha = stats.krippendorff_alpha(matrix, seed=7)
    assert alpha.value == pytest.approx(_alpha_by_hand(matrix, list(range(-3, 4))), abs=1e-9)
    complete = matrix[:, ~np.isnan(matrix).any(axis=0)]
    assert stats.icc_2_1(matrix).value == pytest.approx(_icc21_by_hand(complete.T), abs=1e-9)
    both = ~(np.isnan(matrix[0]) | np.isnan(matrix[1]))
    kappa = stats.weighted_kappa(matrix[0], matrix[1], seed=7)
    assert kappa.value == pytest.approx(_kappa_by_hand(matrix[0][both], matrix[1][both], list(range(-3, 4))), abs=1e-9)
    assert kappa.n == int(both.sum())


def test_bootstrap_intervals_are_seeded_and_hold_the_estimate():
    matrix = _panel(4, units=500)
    once, again = stats.krippendorff_alpha(matrix, seed=11), stats.krippendorff_alpha(matrix, seed=11)
    assert (once.low, once.high) == (again.low, again.high)
    assert once.low < once.value < once.high and once.high - once.low < 0.2
    other = stats.krippendorff_alpha(matrix, seed=12)
    assert (other.low, other.high) != (once.low, once.high)
    kappa = stats.weighted_kappa(matrix[0], matrix[2], seed=11)
    assert kappa.low < kappa.value < kappa.high


def test_identical_share_has_the_wilson_interval():
    # 15 of 20 identical: Wilson 95% interval (0.531, 0.888), as in Newcombe (1998), method 3
    first = [1] * 20
    second = [1] * 15 + [2] * 5
    found = stats.identical_share(first, second)
    assert found.value == 0.75 and found.n == 20
    z = 1.959963984540054
    centre = (0.75 + z * z / 40) / (1 + z * z / 20)
    half = z * np.sqrt(0.75 * 0.25 / 20 + z * z / 1600) / (1 + z * z / 20)
    assert (found.low, found.high) == (pytest.approx(centre - half), pytest.approx(centre + half))
    assert (round(found.low, 3), round(found.high, 3)) == (0.531, 0.888)


def test_too_little_to_estimate_gives_no_figure_rather_than_a_wrong_one():
    one_unit = np.array([[1.0], [2.0]])
    assert stats.krippendorff_alpha(one_unit, seed=1).value is None
    assert stats.icc_2_1(np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])).value is None
    assert stats.weighted_kappa([1.0], [1.0], seed=1).value is None
    assert stats.identical_share([nan], [1.0]).value is None


def test_median_consensus_is_a_half_between_two_middle_scores():
    assert stats.median_score([2]) == 2.0
    assert stats.median_score([2, 1]) == 1.5
    assert stats.median_score([-3, 3, 0]) == 0.0
    assert stats.median_score([-1, -2, 3, 3]) == 1.0


@pytest.mark.parametrize("seed", [5, 6])
def test_icc21_interval_equals_mcgraw_and_wongs_formula(seed):
    # pingouin rounds its interval to 2 places; ours keeps the precision of its point
    import pandas as pd
    import pingouin

    matrix = _panel(seed, units=120)
    complete = matrix[:, ~np.isnan(matrix).any(axis=0)]
    found = stats.icc_2_1(matrix)
    low, high = _icc21_interval_by_hand(complete.T)
    assert found.low == pytest.approx(low, abs=1e-9) and found.high == pytest.approx(high, abs=1e-9)
    k, n = complete.shape
    frame = pd.DataFrame({"unit": np.repeat(np.arange(n), k), "rater": np.tile(np.arange(k), n), "score": complete.T.ravel()})
    table = pingouin.intraclass_corr(frame, targets="unit", raters="rater", ratings="score").set_index("Type")
    assert tuple(table.loc["ICC(A,1)", "CI95"]) == (round(low, 2), round(high, 2))
    assert found.n == complete.shape[1] and found.note == ""


def test_agreement_without_variation_says_so_and_never_divides_by_zero():
    # pingouin (and the textbook formulas) divide by a zero residual when raters agree exactly
    everyone_agrees = np.array([[1, 2, 3, 0, -1], [1, 2, 3, 0, -1]], dtype=float)
    all_the_same = np.zeros((2, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        agreed = stats.icc_2_1(everyone_agrees)
        assert (agreed.value, agreed.low, agreed.high) == (1.0, None, None)
        assert agreed.note == "not enough variation for an interval"
        for found in (
            stats.icc_2_1(all_the_same),
            stats.krippendorff_alpha(all_the_same, seed=1),
            stats.weighted_kappa(all_the_same[0], all_the_same[1], seed=1),
        ):
            assert found.value is None and found.note == "not enough variation"
        assert stats.krippendorff_alpha(everyone_agrees, seed=1).value == 1.0
        assert stats.weighted_kappa(everyone_agrees[0], everyone_agrees[1], seed=1).value == 1.0
    assert stats.krippendorff_alpha(np.array([[1.0], [2.0]]), seed=1).note == "too few pairs"
