"""The decoding budget of one process: how many decoded pixels may be in memory at once.

Each processing job asks for what its decode will hold (`backend.imaging.decode_cost`) before it
decodes, and waits while others hold the rest; a single photo larger than the whole budget waits
until it can run alone. So no mix of uploads (eight 49-megapixel PNG "bombs" that compress to
190 kB each, say) can take a process past its budget: jobs wait instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class DecodeBudget:
    def __init__(self, pixels: int) -> None:
        if pixels <= 0:
            raise ValueError("the decode budget must be positive")
        self.pixels = pixels
        self.in_use = 0
        self.peak = 0  # the most held at once, for tests and benchmarks
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, pixels: int) -> AsyncIterator[None]:
        """Hold `pixels` (at most the whole budget) for the block; wait first while they are not free."""
        cost = min(max(0, pixels), self.pixels)
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_use + cost <= self.pixels)
            self.in_use += cost
            self.peak = max(self.peak, self.in_use)
        try:
            yield
        finally:
            async with self._changed:
                self.in_use -= cost
                self._changed.notify_all()
