"""The disclosure layer on its own: floors, primary and complementary suppression against an
attacker's linear program written here (not the layer's audit), and k-anonymity checked by
counting classes here."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest
from scipy.optimize import linprog

from backend.disclosure import CountTable, DisclosurePolicy, QuasiIdentifier, Rung, anonymise, anything, identity, protect
from shared.errors import InvalidInput


def grid_attack(counts: dict, rows: list, cols: list, shown: dict) -> dict:
    """For a two-way table with all margins published: the min and max of each hidden inner cell."""
    hidden = [(r, c) for r in rows for c in cols if shown[(r, c)] is None]
    idx = {h: i for i, h in enumerate(hidden)}
    a_eq, b_eq = [], []
    row_total = {r: sum(counts[(r, c)] for c in cols) for r in rows}
    col_total = {c: sum(counts[(r, c)] for r in rows) for c in cols}
    for r in rows:  # margins may be hidden too: then the line gives nothing
        if shown[(r, "*")] is None:
            continue
        line = np.zeros(len(hidden))
        rhs = shown[(r, "*")]
        for c in cols:
            if (r, c) in idx:
                line[idx[(r, c)]] = 1
            else:
                rhs -= shown[(r, c)]
        a_eq.append(line)
        b_eq.append(rhs)
    for c in cols:
        if shown[("*", c)] is None:
            continue
        line = np.zeros(len(hidden))
        rhs = shown[("*", c)]
        for r in rows:
            if (r, c) in idx:
                line[idx[(r, c)]] = 1
            else:
                rhs -= shown[(r, c)]
        a_eq.append(line)
        b_eq.append(rhs)
    assert row_total and col_total
    out = {}
    for h in hidden:
        ends = []
        for sign in (1, -1):
            cost = np.zeros(len(hidden))
            cost[idx[h]] = sign
            res = linprog(cost, A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None, bounds=(0, None))
            ends.append(sign * res.fun if res.status == 0 else (np.inf if sign < 0 else -np.inf))
        out[h] = tuple(ends)
    return out


def test_policy_never_lower_than_the_floors():
    for kwargs in ({"threshold": 4}, {"min_population": 9}, {"k": 2}):
        with pytest.raises(InvalidInput) as raised:
            DisclosurePolicy(**kwargs)
        assert raised.value.code == "disclosure_below_floor"
    assert DisclosurePolicy(threshold=7).is_small(6) and not DisclosurePolicy().is_small(5)

    class Row:
        disclosure_threshold, disclosure_min_population, export_k = 2, 3, 1

    assert DisclosurePolicy.for_clinic(Row()) == DisclosurePolicy()


def test_the_issue_dose_rows_cannot_be_recovered_by_subtraction():
    # PRP "1 session" = 4 and microneedling "2 sessions" = 4 were the only hidden cells of their rows
    rows, cols = ["prp", "mn"], [1, 2, 3, 4, 5]
    counts = dict(zip(itertools.product(rows, cols), [4, 12, 9, 7, 20, 6, 4, 10, 8, 15]))
    table = CountTable()
    table.add_grid("dose", counts, rows, cols)
    result = protect(table, DisclosurePolicy())
    shown = {k[1:]: v for k, v in result.published().items()}
    assert shown[("prp", 1)] is None and shown[("mn", 2)] is None
    ranges = grid_attack(counts, rows, cols, shown)
    for cell in (("prp", 1), ("mn", 2)):
        lo, hi = ranges[cell]
        assert hi - lo >= 5 and hi >= 5, (cell, lo, hi)


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_hide_every_small_cell_beyond_reach(seed):
    rng = random.Random(seed)
    rows, cols = list(range(rng.randint(2, 5))), list(range(rng.randint(2, 6)))
    counts = {(r, c): rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15, 30]) for r in rows for c in cols}
    table = CountTable()
    table.add_grid("t", counts, rows, cols)
    policy = DisclosurePolicy(threshold=rng.choice([5, 6]))
    result = protect(table, policy)
    shown = {k[1:]: v for k, v in result.published().items()}
    small = [(r, c) for (r, c), v in counts.items() if 0 < v < policy.threshold]
    assert all(shown[s] is None for s in small)
    for s, (lo, hi) in grid_attack(counts, rows, cols, shown).items():
        if s in small:
            assert np.floor(hi + 1e-7) - np.ceil(lo - 1e-7) >= policy.threshold, (s, lo, hi, counts)


def test_a_table_without_small_cells_is_shown_whole():
    table = CountTable()
    table.add_grid("t", {(0, 0): 5, (0, 1): 0, (1, 0): 9, (1, 1): 12}, [0, 1], [0, 1])
    assert protect(table, DisclosurePolicy()).hidden == set()


def test_k_anonymous_rows_with_every_class_counted_here():
    rng = random.Random(3)
    people = [
        {"id": i, "sex": rng.choice("FMX"), "age": rng.randint(18, 80), "grade": rng.randint(1, 7)}
        for i in range(120)
    ]
    quasi = [
        QuasiIdentifier("sex", [identity(), anything()]),
        QuasiIdentifier("age", [identity("years"), Rung("10-year bands", lambda a: a // 10 * 10),
                                Rung("20-year bands", lambda a: a // 20 * 20), anything()]),
        QuasiIdentifier("grade", [identity(), Rung("grouped", lambda g: (g - 1) // 3), anything()]),
    ]
    result = anonymise(people, quasi, 5, entity=lambda r: r["id"])
    classes = Counter((r["sex"], r["age"], r["grade"]) for r in result.rows)
    assert min(classes.values()) >= 5
    assert len(result.rows) + result.suppressed == 120 and result.suppressed <= 6
    assert result.rungs["age"] != "years"
