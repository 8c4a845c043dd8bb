"""Drawing a round, as pure functions: which pairs are shown twice for test-retest, and each rater's
queue (order shuffled per rater, left/right random per presentation, repeats later and mirrored)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Presentation:
    pair: int  # index into the round's pairs
    baseline_left: bool
    repeat: bool


def retest_count(pairs: int, fraction: float) -> int:
    """How many pairs are shown a second time: about `fraction` of them, at least one when asked for
    any and there are at least 10 pairs."""
    if fraction <= 0 or pairs < 2:
        return 0
    wanted = round(pairs * fraction)
    return min(pairs, max(wanted, 1 if pairs >= 10 else 0))


def pick_retests(pairs: int, fraction: float, rng: random.Random) -> set[int]:
    return set(rng.sample(range(pairs), retest_count(pairs, fraction)))


def plan_queue(pairs: int, retests: set[int], rng: random.Random) -> list[Presentation]:
    """One rater's queue: every pair once in a random order with a random side for the baseline,
    then each retest pair again, placed at least a quarter of the queue (up to 50 places) after
    its first showing, with the sides swapped."""
    order = list(range(pairs))
    rng.shuffle(order)
    first = [Presentation(pair, rng.random() < 0.5, False) for pair in order]
    gap = max(1, min(50, math.ceil(pairs / 4)))
    keyed: list[tuple[float, int, Presentation]] = [(float(i), 0, p) for i, p in enumerate(first)]
    for i, shown in enumerate(first):
        if shown.pair in retests:
            earliest = i + gap
            place = rng.uniform(earliest, pairs) if earliest < pairs else pairs + rng.random()
            keyed.append((place, 1, Presentation(shown.pair, not shown.baseline_left, True)))
    keyed.sort(key=lambda item: (item[0], item[1]))
    return [p for _, _, p in keyed]


def shuffled(items: Sequence[T], rng: random.Random) -> list[T]:
    copy = list(items)
    rng.shuffle(copy)
    return copy
