"""Primary and complementary (secondary) cell suppression over a CountTable.

Primary: every sensitive count from 1 to threshold-1 is hidden. Complementary: more counts are
hidden so that no primary one can be worked out, or narrowed down, from the rest. The choice is an
integer program (scipy.optimize.milp, the HiGHS solver): hide the least information (the sum of
the hidden counts, plus one each) such that no published relation has exactly one hidden member.
That condition is necessary, not sufficient (a hidden 1 whose only partners are small can still be
pinned near its value), so each solution is audited the way an attacker would: a linear program
(scipy.optimize.linprog) finds the smallest and largest value each primary count can take given
everything shown and every relation; a count whose range is narrower than the threshold adds a cut
("hide one more of its neighbours") and the program is solved again, until every primary count
is protected. See docs/disclosure.md for why this and not cell-key perturbation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from backend.disclosure.policy import DisclosurePolicy
from backend.disclosure.table import CountTable

MAX_ROUNDS = 40  # cuts per component before hiding the whole component (never reached in tests)


@dataclass
class Protection:
    """The result: which counts are hidden and why, and the range a reader can narrow each
    primary count to (lo, hi) given everything shown."""

    table: CountTable
    policy: DisclosurePolicy
    primary: set[Hashable] = field(default_factory=set)
    secondary: set[Hashable] = field(default_factory=set)
    ranges: dict[Hashable, tuple[float, float]] = field(default_factory=dict)

    @property
    def hidden(self) -> set[Hashable]:
        return self.primary | self.secondary

    def is_hidden(self, key: Hashable) -> bool:
        return key in self.primary or key in self.secondary

    def value(self, key: Hashable) -> int | None:
        """The count to show, or None when it is hidden."""
        return None if self.is_hidden(key) else self.table.cells[key].value

    def published(self) -> dict[Hashable, int | None]:
        """Every count as a reader sees it (None where hidden)."""
        return {k: self.value(k) for k in self.table.cells}


def protect(table: CountTable, policy: DisclosurePolicy, *, must_hide: Iterable[Hashable] = ()) -> Protection:
    """Hide every small sensitive count and enough others that none of them can be derived
    (within `policy.threshold`) from what is shown. `must_hide` adds counts hidden for other
    reasons (say, a whole population under the minimum); they are protected like primaries."""
    result = Protection(table=table, policy=policy)
    result.primary = {
        k for k, c in table.cells.items() if c.sensitive and policy.is_small(c.value)
    } | set(must_hide)
    if not result.primary:
        return result
    for component in _components(table):
        primaries = component & result.primary
        if primaries:
            hidden, ranges = _solve(table, policy, component, primaries)
            result.secondary |= hidden - primaries
            result.ranges.update(ranges)
    return result


def interval(table: CountTable, hidden: set[Hashable], key: Hashable) -> tuple[float, float]:
    """The smallest and largest value `key` can take given every count outside `hidden` and
    every relation of the table (a linear program; counts are >= 0)."""
    component = _component_of(table, key)
    return _range(table, component, sorted(hidden & component, key=repr), key)


def _components(table: CountTable) -> list[set[Hashable]]:
    parent: dict[Hashable, Hashable] = {k: k for k in table.cells}

    def find(k: Hashable) -> Hashable:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for total, parts in table.sums:
        for p in parts:
            parent[find(p)] = find(total)
    for part, whole in table.at_most:
        parent[find(part)] = find(whole)
    groups: dict[Hashable, set[Hashable]] = defaultdict(set)
    for k in table.cells:
        groups[find(k)].add(k)
    return list(groups.values())


def _component_of(table: CountTable, key: Hashable) -> set[Hashable]:
    for component in _components(table):
        if key in component:
            return component
    return {key}


def _relations(table: CountTable, component: set[Hashable]):
    sums = [(t, ps) for t, ps in table.sums if t in component]
    at_most = [(p, w) for p, w in table.at_most if p in component]
    return sums, at_most


def _range(
    table: CountTable, component: set[Hashable], hidden_keys: list[Hashable], key: Hashable
) -> tuple[float, float]:
    """min and max of `key` over the counts in hidden_keys, the others fixed at their values."""
    if key not in hidden_keys:
        v = float(table.cells[key].value)
        return v, v
    index = {k: i for i, k in enumerate(hidden_keys)}
    sums, at_most = _relations(table, component)
    eq_rows, eq_rhs, ub_rows, ub_rhs = [], [], [], []
    for total, parts in sums:
        row, rhs = np.zeros(len(hidden_keys)), 0.0
        for k, sign in ((total, 1.0), *((p, -1.0) for p in parts)):
            if k in index:
                row[index[k]] += sign
            else:
                rhs -= sign * table.cells[k].value
        if row.any():
            eq_rows.append(row)
            eq_rhs.append(rhs)
    for part, whole in at_most:
        row, rhs = np.zeros(len(hidden_keys)), 0.0
        for k, sign in ((part, 1.0), (whole, -1.0)):
            if k in index:
                row[index[k]] += sign
            else:
                rhs -= sign * table.cells[k].value
        if row.any():
            ub_rows.append(row)
            ub_rhs.append(rhs)
    bounds = [(0, table.cells[k].upper) for k in hidden_keys]
    out = []
    for sign in (1.0, -1.0):
        c = np.zeros(len(hidden_keys))
        c[index[key]] = sign
        res = linprog(
            c, A_ub=np.array(ub_rows) if ub_rows else None, b_ub=ub_rhs or None,
            A_eq=np.array(eq_rows) if eq_rows else None, b_eq=eq_rhs or None, bounds=bounds, method="highs",
        )
        if res.status == 3:  # unbounded
            out.append(math.inf if sign < 0 else -math.inf)
        elif res.status != 0:
            raise RuntimeError(f"suppression audit failed for {key!r}: {res.message}")
        else:
            out.append(sign * res.fun)
    lo, hi = out[0], out[1]
    return lo, hi


def protected_enough(lo: float, hi: float, threshold: int) -> bool:
    """The rule a hidden small count must meet: the whole numbers it could be span at least
    `threshold` (so the reader can neither tell it apart from a count >= threshold nor pin it)."""
    if math.isinf(hi):
        return True
    return math.floor(hi + 1e-7) - math.ceil(lo - 1e-7) >= threshold


def _solve(
    table: CountTable, policy: DisclosurePolicy, component: set[Hashable], primaries: set[Hashable]
) -> tuple[set[Hashable], dict[Hashable, tuple[float, float]]]:
    keys = sorted(component, key=repr)
    index = {k: i for i, k in enumerate(keys)}
    sums, _ = _relations(table, component)
    in_sum_as_total = {t for t, _ in sums}
    weights = np.array([
        table.cells[k].weight if table.cells[k].weight is not None
        else (table.cells[k].value + 1) * (3.0 if k in in_sum_as_total else 1.0)
        for k in keys
    ])
    groups = [(t, *ps) for t, ps in sums] + list(_relations(table, component)[1])
    rows: list[np.ndarray] = []
    for total, parts in sums:
        group = [index[total], *(index[p] for p in parts)]
        for i in group:  # a hidden member needs another hidden member in every relation it is in
            row = np.zeros(len(keys))
            for j in group:
                row[j] += 1.0
            row[i] -= 2.0
            rows.append(row)
    # a hidden small count p can rise only as far as the other hidden counts of its relations can
    # fall: each relation of p must hide at least threshold - value(p) besides p
    mass: list[np.ndarray] = []
    mass_lb: list[float] = []
    for p in primaries:
        need = policy.threshold - table.cells[p].value
        for group in groups:
            if p in group and need > 0:
                row = np.zeros(len(keys))
                for k in group:
                    if k != p:
                        row[index[k]] = table.cells[k].value
                if row.sum() >= need:
                    mass.append(row)
                    mass_lb.append(float(need))
    lower = np.array([1.0 if k in primaries else 0.0 for k in keys])
    cuts: list[np.ndarray] = []
    for _ in range(MAX_ROUNDS):
        constraints = []
        if rows:
            constraints.append(LinearConstraint(np.array(rows), lb=0.0, ub=np.inf))
        if mass:
            constraints.append(LinearConstraint(np.array(mass), lb=np.array(mass_lb), ub=np.inf))
        if cuts:
            constraints.append(LinearConstraint(np.array(cuts), lb=1.0, ub=np.inf))
        res = milp(weights, integrality=np.ones(len(keys)), bounds=Bounds(lower, np.ones(len(keys))), constraints=constraints)
        if res.status != 0:
            break
        hidden = {k for k in keys if res.x[index[k]] > 0.5}
        hidden_keys = sorted(hidden, key=repr)
        ranges = {p: _range(table, component, hidden_keys, p) for p in sorted(primaries, key=repr)}
        failing = [p for p, (lo, hi) in ranges.items() if not protected_enough(lo, hi, policy.threshold)]
        if not failing:
            return hidden, ranges
        for p in failing:
            cut = _local_cut(p, hidden, groups, keys, index)
            if cut is None:
                return set(keys), {q: (0.0, math.inf) for q in primaries}
            cuts.append(cut)
    everything = set(keys)
    return everything, {p: (0.0, math.inf) for p in primaries}


def _local_cut(
    p: Hashable, hidden: set[Hashable], groups: list[tuple[Hashable, ...]], keys: list[Hashable],
    index: dict[Hashable, int],
) -> np.ndarray | None:
    """A valid cut for a primary count `p` left too narrow by `hidden`: the hidden counts that can
    move with p are those linked to it through relations with two or more hidden members (its
    region); any hiding that protects p must hide some count sharing a relation with that region
    (else p's region, and so its range, can only shrink)."""
    region, frontier = {p}, [p]
    while frontier:
        k = frontier.pop()
        for group in groups:
            if k in group:
                for other in group:
                    if other in hidden and other not in region:
                        region.add(other)
                        frontier.append(other)
    near = {k for group in groups if region & set(group) for k in group} - hidden
    if not near:
        return None
    cut = np.zeros(len(keys))
    for k in near:
        cut[index[k]] = 1.0
    return cut
