"""Password hashing with argon2id, at the cost the settings give.

The cost is process-wide: the composition root (`create_app`, the CLI) calls `use_cost(...)` once
with the settings' figures. Production's default is argon2-cffi's RFC 9106 low-memory profile; the
test suite sets a far cheaper cost so each staff account it makes does not spend ~0.2 s hashing.
Verifying reads the cost from the stored hash, so hashes made at any cost keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True)
class HashCost:
    """argon2id's work factors: passes over memory, memory in KiB, lanes."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    def __post_init__(self) -> None:
        if self.time_cost < 1 or self.parallelism < 1 or self.memory_kib < 8 * self.parallelism:
            raise ValueError("argon2 needs time_cost >= 1, parallelism >= 1 and memory_kib >= 8 x parallelism")


PRODUCTION_COST = HashCost()
_cost = PRODUCTION_COST


def use_cost(cost: HashCost) -> None:
    """Hash new passwords at `cost` from now on in this process."""
    global _cost
    _cost = cost


def current_cost() -> HashCost:
    return _cost


@cache
def _hasher(cost: HashCost) -> PasswordHasher:
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)


@cache
def _dummy_hash(cost: HashCost) -> str:
    # verifying against this keeps a failed sign-in for an unknown email as slow as a wrong password
    return _hasher(cost).hash("follicle-dummy-password")


def hash_password(password: str) -> str:
    return _hasher(_cost).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; always spends the same argon2 work, even for no hash."""
    try:
        return _hasher(_cost).verify(password_hash or _dummy_hash(_cost), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when `password_hash` was made at another cost than this process uses (rehash at sign-in)."""
    try:
        return _hasher(_cost).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
