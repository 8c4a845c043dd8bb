"""The decoding budget of one process: how many decoded pixels may be in memory at once, and the
few threads that decode.

Each processing job asks for what its decode will hold (`backend.imaging.decode_cost`) before it
decodes, and waits while others hold the rest; a single photo larger than the whole budget waits
until it can run alone. So no mix of uploads (eight 49-megapixel PNG "bombs" that compress to
190 kB each, say) can take a process past its budget: jobs wait instead.

Decoding runs in the budget's own threads (`decode_threads`, 2 by default), not the event
loop's shared pool: the C allocator keeps an arena of freed memory per thread that has decoded,
so a few threads that always decode keep the process's memory near one budget's worth, where
decodes spread over many threads would each leave their arena behind. When the last decode of a
burst lets go, the freed memory is handed back to the system (glibc's `malloc_trim`), so a worker
idles at its resting size rather than at its peak.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim with
        return None


def give_back_memory() -> bool:
    """Return the C heap's free pages to the system; whether this platform can."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


class DecodeBudget:
    def __init__(self, pixels: int, *, threads: int = 2) -> None:
        if pixels <= 0 or threads <= 0:
            raise ValueError("the decode budget and its threads must be positive")
        self.pixels = pixels
        self.in_use = 0
        self.peak = 0  # the most held at once, for tests and benchmarks
        self.trims = 0  # how often memory was handed back (each time the budget fell idle)
        self._changed = asyncio.Condition()
        # threads start on the first decode, not here
        self._threads = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="decode")

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work(*args, **kwargs)` in one of the budget's decode threads (hold the pixels first)."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, functools.partial(work, *args, **kwargs))

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

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
                idle = self.in_use == 0
            if idle:  # the burst is over: what its decodes freed goes back to the system
                self.trims += 1
                with contextlib.suppress(RuntimeError):  # the threads were shut down meanwhile
                    await asyncio.get_running_loop().run_in_executor(self._threads, give_back_memory)
