"""The one interface every push provider offers to the outbox worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from backend.push.message import PushMessage
from backend.push.outcome import PushOutcome

# seconds since the epoch; injected so token lifetimes can be tested without waiting
Clock = Callable[[], float]


@runtime_checkable
class PushProvider(Protocol):
    """Sends one message and reports the outcome. Never raises for a service or network failure."""

    name: str

    async def send(self, message: PushMessage) -> PushOutcome: ...
