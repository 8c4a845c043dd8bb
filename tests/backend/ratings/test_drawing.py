"""Drawing queues: retest repeats land anywhere after a minimum gap (not at predictable places),
and two pairs of one patient are not shown one after the other."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
from scipy import stats

from backend.ratings.drawing import pick_retests, plan_queue, retest_gap


def _places(queue) -> dict[int, list[int]]:
    seen: dict[int, list[int]] = {}
    for i, shown in enumerate(queue):
        seen.setdefault(shown.pair, []).append(i)
    return seen


def test_retest_repeats_are_spread_over_the_queue_after_a_minimum_gap_across_many_drawn_queues():
    rng = random.Random(20)
    pairs, draws = 120, 400
    owners = [i // 6 for i in range(pairs)]  # 20 patients, 6 pairs each
    gap = retest_gap(pairs)
    repeat_places, last_is_repeat, size = [], 0, 0
    for _ in range(draws):
        retests = pick_retests(pairs, 0.1, rng)
        queue = plan_queue(pairs, retests, rng, owners)
        size = len(queue)
        assert sorted(s.pair for s in queue if not s.repeat) == list(range(pairs))  # every pair once ...
        assert sorted(s.pair for s in queue if s.repeat) == sorted(retests)  # ... and the retests again
        for pair, where in _places(queue).items():
            if len(where) == 2:
                first, again = (queue[i] for i in where)
                assert not first.repeat and again.repeat and where[1] - where[0] > gap
                assert first.baseline_left != again.baseline_left  # mirrored
                repeat_places.append(where[1])
        last_is_repeat += queue[-1].repeat
    # the repeats' places after the gap are as likely anywhere: a uniform spread over gap+1..end
    span = np.arange(gap + 1, size)
    counts = np.histogram(repeat_places, bins=10, range=(gap + 1, size))[0]
    assert counts.min() > 0.6 * counts.mean()
    assert stats.chisquare(counts).pvalue > 0.001
    # the last place is a repeat about as often as any place after the gap, not every time
    expected = len(repeat_places) / len(span)
    assert last_is_repeat < 2 * expected + 10 and last_is_repeat < draws * 0.25


def test_pairs_of_one_patient_are_not_shown_next_to_each_other():
    rng = random.Random(7)
    pairs = 150
    owners = [i // 5 for i in range(pairs)]  # 30 patients, 5 views each
    for _ in range(100):
        queue = plan_queue(pairs, pick_retests(pairs, 0.1, rng), rng, owners)
        neighbours = Counter(owners[a.pair] == owners[b.pair] for a, b in zip(queue, queue[1:]))
        assert neighbours[True] == 0
    # without the owners a random shuffle puts about 4 such neighbours in every queue
    plain = [plan_queue(pairs, set(), rng) for _ in range(50)]
    assert np.mean([sum(owners[a.pair] == owners[b.pair] for a, b in zip(q, q[1:])) for q in plain]) > 2
