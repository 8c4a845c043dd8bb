"""A set of published counts and the arithmetic that links them: the attacker's view of an output.

A `CountTable` holds every count an output would show (patients in a cell, at risk at a month,
improved, events), each under a hashable key, and the linear relations a reader can use:

- `add_sum(total, parts)`: total = sum(parts) (row, column and grand margins; a Kaplan-Meier step:
  at risk at a month = at risk at the next + improved + censored at this one; cells of two
  tables that add up to a third);
- `add_at_most(part, whole)`: part <= whole (improved of n; a filtered cell of its unfiltered cell);
- `bound(key, upper=...)`: a bound known from elsewhere (the unfiltered page's published cell).

Suppression (suppression.protect) decides which counts are hidden so that none of the sensitive
ones can be narrowed down from what remains; the same description is what the attack test feeds to
an independent linear program.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field


@dataclass
class Cell:
    key: Hashable
    value: int
    sensitive: bool = True  # a count of patients: 1..threshold-1 is primary-suppressed
    weight: float | None = None  # cost of hiding it; None: value + 1 (totals cost more, see add_sum)
    upper: float | None = None  # a bound the reader knows from elsewhere


@dataclass
class CountTable:
    """Counts and their linear relations. Keys are any hashable (tuples read best:
    ("dose", "prp", 2, "n"))."""

    cells: dict[Hashable, Cell] = field(default_factory=dict)
    sums: list[tuple[Hashable, tuple[Hashable, ...]]] = field(default_factory=list)
    at_most: list[tuple[Hashable, Hashable]] = field(default_factory=list)

    def add(self, key: Hashable, value: int, *, sensitive: bool = True, weight: float | None = None) -> Hashable:
        """Add a count (or check it agrees with the one already under this key) and return its key."""
        value = int(value)
        if value < 0:
            raise ValueError(f"count {key!r} is negative: {value}")
        found = self.cells.get(key)
        if found is not None:
            if found.value != value:
                raise ValueError(f"count {key!r} given twice: {found.value} and {value}")
            found.sensitive = found.sensitive or sensitive
            return key
        self.cells[key] = Cell(key=key, value=value, sensitive=sensitive, weight=weight)
        return key

    def add_sum(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        """Publish that `total` equals the sum of `parts` (all already added). The sum must hold."""
        parts = tuple(parts)
        missing = [k for k in (total, *parts) if k not in self.cells]
        if missing:
            raise KeyError(f"add the counts before their sum: {missing!r}")
        if self.cells[total].value != sum(self.cells[p].value for p in parts):
            raise ValueError(f"{total!r} is not the sum of its parts")
        if parts:
            self.sums.append((total, parts))

    def add_at_most(self, part: Hashable, whole: Hashable) -> None:
        """Publish that `part` <= `whole` (e.g. improved of n)."""
        if self.cells[part].value > self.cells[whole].value:
            raise ValueError(f"{part!r} exceeds {whole!r}")
        self.at_most.append((part, whole))

    def bound(self, key: Hashable, *, upper: float) -> None:
        """A reader knows `key` is at most `upper` (from another output)."""
        cell = self.cells[key]
        cell.upper = upper if cell.upper is None else min(cell.upper, upper)

    def add_grid(
        self, name: Hashable, counts: dict[tuple[Hashable, Hashable], int],
        rows: Iterable[Hashable], columns: Iterable[Hashable], *, margins: bool = True,
    ) -> None:
        """A two-way table under keys (name, row, column), with row margins (name, row, "*"),
        column margins (name, "*", column) and the grand total (name, "*", "*")."""
        rows, columns = list(rows), list(columns)
        for r in rows:
            for c in columns:
                self.add((name, r, c), counts.get((r, c), 0))
        if not margins:
            return
        for r in rows:
            self.add((name, r, "*"), sum(counts.get((r, c), 0) for c in columns))
            self.add_sum((name, r, "*"), [(name, r, c) for c in columns])
        for c in columns:
            self.add((name, "*", c), sum(counts.get((r, c), 0) for r in rows))
            self.add_sum((name, "*", c), [(name, r, c) for r in rows])
        self.add((name, "*", "*"), sum(counts.get((r, c), 0) for r in rows for c in columns))
        self.add_sum((name, "*", "*"), [(name, r, "*") for r in rows])
        self.add_sum((name, "*", "*"), [(name, "*", c) for c in columns])
