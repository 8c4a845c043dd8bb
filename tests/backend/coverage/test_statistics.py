"""The reliability figures against computations written here: one-way ANOVA for the repeat
pairs' within-subject SD, and ranks correlated by hand (Pearson of average ranks) with the
Fisher-z interval for rho."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backend.coverage import statistics


def _within_subject_sd(pairs: list[tuple[float, float]]) -> float:
    # one-way ANOVA with each pair a subject: the within mean square's root
    within = sum((x - (x + y) / 2) ** 2 + (y - (x + y) / 2) ** 2 for x, y in pairs)
    return math.sqrt(within / (len(pairs) * (2 - 1)))


def _average_ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def _pearson(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / math.sqrt(sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y))


def test_repeatability_matches_one_way_anova_and_the_sdc_formula():
    rng = np.random.default_rng(5)
    truth = rng.uniform(10, 70, 40)
    first, second = truth + rng.normal(0, 1.5, 40), truth + rng.normal(0, 1.5, 40)
    figures = statistics.repeatability(first, second)
    expected = _within_subject_sd(list(zip(first, second)))
    assert figures.pairs == 40
    assert figures.sem == pytest.approx(expected, rel=1e-12)
    assert figures.sdc == pytest.approx(1.96 * math.sqrt(2) * expected, rel=1e-3)
    assert figures.cv_percent == pytest.approx(100 * expected / np.concatenate([first, second]).mean(), rel=1e-12)
    assert 1.0 < figures.sem < 2.0  # the planted measurement noise (SD 1.5) is what it finds


def test_repeatability_needs_three_pairs():
    figures = statistics.repeatability(np.array([10.0, 20.0]), np.array([11.0, 19.0]))
    assert figures.sem is None and figures.note == statistics.TOO_FEW


def test_rho_matches_ranks_correlated_by_hand_with_its_interval():
    consensus = [-1, 0, 0, 1, 1, 1, 2, 2, 3, 0, 1, 2, -2, 1, 0]
    fall = [-3.0, 0.5, -0.2, 2.5, 1.0, 4.0, 6.0, 3.5, 9.0, 1.5, 2.0, 5.0, -6.0, 0.0, 0.3]
    rho = statistics.spearman(np.array(consensus, float), np.array(fall))
    expected = _pearson(_average_ranks([float(c) for c in consensus]), _average_ranks(fall))
    assert rho.value == pytest.approx(expected, abs=1e-12)
    se = math.sqrt((1 + expected**2 / 2) / (len(fall) - 3))
    assert rho.low == pytest.approx(math.tanh(math.atanh(expected) - 1.959964 * se), abs=1e-6)
    assert rho.high == pytest.approx(math.tanh(math.atanh(expected) + 1.959964 * se), abs=1e-6)
    assert rho.n == 15 and rho.low < rho.value < rho.high


def test_rho_says_why_it_is_missing():
    assert statistics.spearman(np.arange(4.0), np.arange(4.0)).note == statistics.TOO_FEW
    assert statistics.spearman(np.zeros(8), np.arange(8.0)).note == statistics.NO_VARIATION
