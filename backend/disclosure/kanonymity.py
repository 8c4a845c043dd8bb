"""k-anonymity by full-domain generalisation, with record suppression only where needed.

Each quasi-identifier (what someone could know of a patient: arm, sex, age band, diagnosis,
grade...) has a ladder of generalisations, from the value itself to "any". Every combination of
rungs is tried (the lattice is small: a few hundred nodes); a node is acceptable when the rows in
equivalence classes smaller than k are at most `max_suppressed` of all rows, and those rows are
then left out. Of the acceptable nodes the one losing least is kept: fewest suppressed rows first,
then the lowest total rung (Samarati's minimal generalisation, as ARX and sdcMicro describe it).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

ANY = "any"


@dataclass(frozen=True)
class Rung:
    name: str  # what the file says, e.g. "10-year bands"
    generalise: Callable[[Any], Any]


@dataclass(frozen=True)
class QuasiIdentifier:
    """A column someone could know, and its ladder: rungs[0] should be the value as it is;
    the last rung should map everything to ANY."""

    column: str
    rungs: Sequence[Rung]


def identity(name: str = "as recorded") -> Rung:
    return Rung(name, lambda v: v)


def anything(name: str = "not shown") -> Rung:
    return Rung(name, lambda v: ANY)


@dataclass
class Anonymised:
    rows: list[dict[str, Any]]
    k: int
    rungs: dict[str, str]  # column -> the rung used (its name)
    suppressed: int  # rows left out (their equivalence class stayed under k)
    smallest_class: int
    classes: int = 0
    keys: list[Hashable] = field(default_factory=list)  # per kept row: its entity (as given)


def anonymise(
    rows: Sequence[dict[str, Any]], quasi: Sequence[QuasiIdentifier], k: int, *,
    entity: Callable[[dict[str, Any]], Hashable] | None = None, max_suppressed: float = 0.05,
) -> Anonymised:
    """Generalise `rows` so every combination of quasi-identifiers that remains is shared by at
    least `k` entities (`entity(row)`, default: each row its own; pass the patient for files with
    several rows per patient, whose rows must generalise alike). Rows of classes under k are left
    out, at most `max_suppressed` of the entities; if no node allows that, everything is
    generalised to ANY (one class)."""
    entity = entity or (lambda row: id(row))
    people: dict[Hashable, dict[str, Any]] = {}
    for row in rows:
        people.setdefault(entity(row), row)
    total = len(people)
    best: tuple[tuple[int, int], tuple[int, ...], set[Hashable]] | None = None
    for node in itertools.product(*(range(len(q.rungs)) for q in quasi)):
        classes = Counter(_signature(person, quasi, node) for person in people.values())
        small = {e for e, person in people.items() if classes[_signature(person, quasi, node)] < k}
        if len(small) > max_suppressed * total:
            continue
        cost = (len(small), sum(node))
        if best is None or cost < best[0]:
            best = (cost, node, small)
    if best is None:
        node = tuple(len(q.rungs) - 1 for q in quasi)
        small: set[Hashable] = set() if total >= k else set(people)
    else:
        _, node, small = best
    out, keys = [], []
    for row in rows:
        e = entity(row)
        if e in small:
            continue
        changed = dict(row)
        for q, rung in zip(quasi, node):
            changed[q.column] = q.rungs[rung].generalise(row[q.column])
        out.append(changed)
        keys.append(e)
    sizes = Counter(_signature(people[e], quasi, node) for e in people if e not in small)
    return Anonymised(
        rows=out, k=k, rungs={q.column: q.rungs[r].name for q, r in zip(quasi, node)},
        suppressed=len(small), smallest_class=min(sizes.values()) if sizes else 0, classes=len(sizes), keys=keys,
    )


def _signature(row: dict[str, Any], quasi: Sequence[QuasiIdentifier], node: tuple[int, ...]) -> tuple:
    return tuple(q.rungs[r].generalise(row[q.column]) for q, r in zip(quasi, node))
