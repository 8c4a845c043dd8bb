"""Upload slots ask the store only when it has not answered lately, and at once after a failure."""

from __future__ import annotations

import pytest

from backend.storage import StoreHealth, StoreUnavailable


class CountingStore:
    def __init__(self) -> None:
        self.checks = 0
        self.down = False

    async def check(self) -> None:
        self.checks += 1
        if self.down:
            raise StoreUnavailable("down")


async def test_the_store_is_asked_once_then_trusted_for_a_while():
    now = [100.0]
    store = CountingStore()
    health = StoreHealth(store, trust_seconds=30, clock=lambda: now[0])
    await health.ensure_reachable()
    await health.ensure_reachable()
    assert store.checks == 1
    now[0] += 31
    await health.ensure_reachable()
    assert store.checks == 2


async def test_after_a_failure_every_slot_asks_until_the_store_answers():
    now = [0.0]
    store = CountingStore()
    health = StoreHealth(store, trust_seconds=30, clock=lambda: now[0])
    health.worked()
    health.failed()  # a complete could not read from the store
    store.down = True
    for _ in range(2):
        with pytest.raises(StoreUnavailable):
            await health.ensure_reachable()
    store.down = False
    await health.ensure_reachable()
    await health.ensure_reachable()
    assert store.checks == 3


async def test_an_unexpected_error_counts_as_unreachable():
    class Broken:
        async def check(self) -> None:
            raise OSError("folder gone")

    with pytest.raises(StoreUnavailable):
        await StoreHealth(Broken()).ensure_reachable()
