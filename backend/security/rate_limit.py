"""Attempt limits for sign-in and invite redemption, counted in a shared store (`attempt_store`).

Sign-in keeps three counts of failed attempts per window: this address on this account, this
account from anywhere, and this address on any account. An address is refused on an account
when it has used up its own tries on that account, or when it has failed on that account before
and the account or the address is under attack as a whole. An address that has never failed on
an account may always try it: one person guessing (or one proxy's worth of people) can never lock
a colleague out of their own account, while guessing from that address gets nowhere.

Invite redemption has no account to key on (the code is the secret), so it counts failures per
address; right codes never use up the limit, even many at once.

Every attempt is counted before the secret is checked (atomically), so simultaneous attempts
cannot run past a limit; a success or an error that is not a wrong secret gives the count back.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from backend.security.attempt_store import CountingStore
from shared.errors import RateLimited

_REFUSAL = "Too many attempts. Please wait a few minutes and try again."


@dataclass(frozen=True, kw_only=True)
class SignInLimits:
    per_account_and_address: int = 5
    per_account: int = 20
    per_address: int = 20
    window_seconds: int = 900


@dataclass
class Attempt:
    """One counted attempt; call `failed()` when the secret was wrong, before raising."""

    charged: list[str]
    clear_on_success: list[str] = field(default_factory=list)
    wrong: bool = False

    def failed(self) -> None:
        self.wrong = True


def _account(name: str) -> str:
    # accounts are keyed by a digest, so the store holds no email addresses
    return hashlib.sha256(name.strip().lower().encode()).hexdigest()[:32]


class SignInLimiter:
    def __init__(self, store: CountingStore, limits: SignInLimits) -> None:
        self.store = store
        self.limits = limits

    @asynccontextmanager
    async def attempt(self, *, account: str, address: str) -> AsyncIterator[Attempt]:
        """Count one sign-in attempt; RateLimited (nothing counted) when this address may not try now."""
        limits, window = self.limits, self.limits.window_seconds
        who = _account(account)
        pair, account_key, address_key = f"sign-in:pair:{who}:{address}", f"sign-in:account:{who}", f"sign-in:address:{address}"
        charged = [pair, account_key, address_key]
        counts = [await self.store.add(key, 1, window=window) for key in charged]
        (on_pair, pair_left), (on_account, account_left), (on_address, address_left) = counts
        attacked_before = on_pair > 1
        refusal_left = (
            pair_left if on_pair > limits.per_account_and_address
            else account_left if attacked_before and on_account > limits.per_account
            else address_left if attacked_before and on_address > limits.per_address
            else None
        )
        if refusal_left is not None:
            await self._give_back(charged)
            raise RateLimited(_REFUSAL, retry_after=refusal_left)
        attempt = Attempt(charged=charged, clear_on_success=[pair])
        try:
            yield attempt
        finally:
            if not attempt.wrong:
                await self._give_back(charged)
                for key in attempt.clear_on_success:
                    await self.store.delete(key)

    async def _give_back(self, keys: list[str]) -> None:
        for key in keys:
            await self.store.add(key, -1, window=self.limits.window_seconds)


class AddressLimiter:
    """At most `attempts` failures per address per window (invite codes: the code is the secret).

    Only failures use up the limit: any number of right codes from one address go through (a
    clinic's Wi-Fi enrolling a waiting room's phones at once). Each attempt still holds one of
    the `attempts` places while its code is checked, so simultaneous guesses cannot run past the
    limit; an attempt that finds every place held while fewer than `attempts` have failed waits
    (up to `wait_seconds`) for one to be given back instead of being refused."""

    def __init__(
        self, store: CountingStore, *, kind: str, attempts: int, window_seconds: int, wait_seconds: float = 10.0
    ) -> None:
        self.store = store
        self.kind = kind
        self.attempts = attempts
        self.window = window_seconds
        self.wait_seconds = wait_seconds

    @asynccontextmanager
    async def attempt(self, *, address: str) -> AsyncIterator[Attempt]:
        held, failed = f"{self.kind}:address:{address}", f"{self.kind}:failed:{address}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        pause = 0.005
        while True:
            count, left = await self.store.add(held, 1, window=self.window)
            if count <= self.attempts:
                break
            await self.store.add(held, -1, window=self.window)
            failures, failed_left = await self.store.add(failed, 0, window=self.window)
            if failures >= self.attempts or loop.time() >= deadline:
                raise RateLimited(_REFUSAL, retry_after=failed_left or left)
            await asyncio.sleep(pause * (1 + random.random()))  # others' checks finish in milliseconds
            pause = min(pause * 2, 0.2)
        attempt = Attempt(charged=[held])
        try:
            yield attempt
        finally:
            if attempt.wrong:  # the place stays taken for the window, and the failure is counted
                await self.store.add(failed, 1, window=self.window)
            else:
                await self.store.add(held, -1, window=self.window)
