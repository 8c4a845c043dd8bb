"""Drawing a round, as pure functions: which pairs are shown twice for test-retest, and each rater's
queue (order shuffled per rater, left/right random per presentation, repeats later and mirrored)."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Hashable, Sequence
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


def retest_gap(pairs: int) -> int:
    """The fewest presentations between a pair's first showing and its repeat: a quarter of the
    round's pairs, at most 50."""
    return max(1, min(50, math.ceil(pairs / 4)))


def plan_queue(
    pairs: int, retests: set[int], rng: random.Random, owners: Sequence[Hashable] | None = None
) -> list[Presentation]:
    """One rater's queue: every pair once in a random order with a random side for the baseline,
    and each retest pair again, mirrored, at a random place at least `retest_gap` presentations
    after its first showing (any such place is as likely, the end of the queue no more than the
    rest). Where `owners` says whose each pair is, two pairs of one patient are not shown one
    after the other (as far as the mix of patients allows)."""
    owner = list(owners) if owners is not None else list(range(pairs))
    gap = retest_gap(pairs)
    size = pairs + len(retests)
    # the repeats' places first, each as likely anywhere after the gap; then each retest pair's
    # first showing at random among the free places at least `gap` before its repeat
    repeat_at = sorted(rng.sample(range(min(gap + 1, size - 1), size), len(retests))) if retests else []
    free = sorted(set(range(size)) - set(repeat_at))
    slots: list[Presentation | None] = [None] * size
    for place, pair in zip(repeat_at, shuffled(sorted(retests), rng)):
        before = bisect.bisect_left(free, place - gap) or bisect.bisect_left(free, place) or 1
        first = free.pop(rng.randrange(before))
        side = rng.random() < 0.5
        slots[first] = Presentation(pair, side, False)
        slots[place] = Presentation(pair, not side, True)
    for place, pair in zip(free, shuffled([p for p in range(pairs) if p not in retests], rng)):
        slots[place] = Presentation(pair, rng.random() < 0.5, False)
    queue = [shown for shown in slots if shown is not None]
    _separate_patients(queue, owner, gap, rng)
    return queue


def _separate_patients(queue: list[Presentation], owner: list[Hashable], gap: int, rng: random.Random) -> None:
    """Swap presentations so no two neighbours are pairs of one patient, keeping every repeat at
    least `gap` places after its first showing; gives up on a place after some tries (a round
    where one patient holds most pairs cannot be fully spread)."""
    where = {(shown.pair, shown.repeat): i for i, shown in enumerate(queue)}

    def whose(i: int) -> Hashable:
        return owner[queue[i].pair]

    def clashes(i: int) -> bool:
        return (i > 0 and whose(i) == whose(i - 1)) or (i + 1 < len(queue) and whose(i) == whose(i + 1))

    def gap_holds(shown: Presentation) -> bool:
        other = where.get((shown.pair, not shown.repeat))
        if other is None:
            return True
        first, again = (other, where[(shown.pair, True)]) if shown.repeat else (where[(shown.pair, False)], other)
        return again - first > gap

    def swap(i: int, j: int) -> None:
        queue[i], queue[j] = queue[j], queue[i]
        where[(queue[i].pair, queue[i].repeat)], where[(queue[j].pair, queue[j].repeat)] = i, j

    for i in range(1, len(queue)):
        if whose(i) != whose(i - 1):
            continue
        for j in rng.sample(range(len(queue)), min(len(queue), 200)):
            if j in (i - 1, i) or whose(j) == whose(i):
                continue
            swap(i, j)
            if not clashes(i) and not clashes(j) and gap_holds(queue[i]) and gap_holds(queue[j]):
                break
            swap(i, j)


def shuffled(items: Sequence[T], rng: random.Random) -> list[T]:
    copy = list(items)
    rng.shuffle(copy)
    return copy
