"""A sliding-window limiter for sign-in and invite redemption attempts.

In-process memory: with several API workers each keeps its own window, so the effective
limit is per worker; the limit is about slowing guessing, which this still does.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from shared.errors import RateLimited


class AttemptLimiter:
    def __init__(self, attempts: int, window_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.attempts = attempts
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def check(self, *keys: str) -> None:
        """Raise RateLimited when any key has used up its failed attempts in the window."""
        now = self.clock()
        for key in keys:
            failures = self._recent(key, now)
            if len(failures) >= self.attempts:
                retry_after = max(1, math.ceil(failures[0] + self.window - now))
                raise RateLimited(
                    "Too many attempts. Please wait a few minutes and try again.",
                    retry_after=retry_after,
                )

    def failed(self, *keys: str) -> None:
        now = self.clock()
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures
