"""Whether the store answered lately, so a phone is told "not now" (503) before it spends its data
on an upload that cannot land, without one store request per upload slot while all is well."""

from __future__ import annotations

import time
from collections.abc import Callable

from backend.storage.base import ObjectStore, StoreUnavailable


class StoreHealth:
    """Trusts the store for `trust_seconds` after any call that worked; after a failure (or when
    nothing worked lately) the next `ensure_reachable` asks the store itself."""

    def __init__(self, store: ObjectStore, *, trust_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.trust_seconds = trust_seconds
        self.clock = clock
        self._worked_at: float | None = None
        self._down = False

    def worked(self) -> None:
        self._worked_at = self.clock()
        self._down = False

    def failed(self) -> None:
        self._down = True

    async def ensure_reachable(self) -> None:
        """Return when the store is known to answer; raise StoreUnavailable when it does not."""
        if not self._down and self._worked_at is not None and self.clock() - self._worked_at < self.trust_seconds:
            return
        try:
            await self.store.check()
        except StoreUnavailable:
            self.failed()
            raise
        except Exception as error:  # a folder gone, credentials refused: the same for the phone
            self.failed()
            raise StoreUnavailable(type(error).__name__) from error
        self.worked()
