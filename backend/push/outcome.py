"""What became of one push: the outbox worker decides from this whether to retry or disable a device."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    DELIVERED_TO_OUTBOX = "delivered_to_outbox"
    RETRY_LATER = "retry_later"
    TOKEN_INVALID = "token_invalid"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """The provider's verdict. `retry_after` (seconds) is set only when the service asked for it."""

    status: DeliveryStatus
    detail: str = ""
    retry_after: float | None = None
    provider_message_id: str | None = None

    @property
    def disables_device(self) -> bool:
        """The device's token is dead: stop sending to it until the app registers a new one."""
        return self.status == DeliveryStatus.TOKEN_INVALID

    @property
    def is_final(self) -> bool:
        """Nothing more to do for this reminder on this device."""
        return self.status != DeliveryStatus.RETRY_LATER

    @classmethod
    def delivered(cls, provider_message_id: str | None, detail: str = "") -> PushOutcome:
        return cls(DeliveryStatus.DELIVERED, detail, provider_message_id=provider_message_id)

    @classmethod
    def in_outbox(cls) -> PushOutcome:
        return cls(DeliveryStatus.DELIVERED_TO_OUTBOX, "left in the outbox; the app pulls its schedule")

    @classmethod
    def retry_later(cls, detail: str, retry_after: float | None = None) -> PushOutcome:
        return cls(DeliveryStatus.RETRY_LATER, detail, retry_after=retry_after)

    @classmethod
    def token_invalid(cls, detail: str) -> PushOutcome:
        return cls(DeliveryStatus.TOKEN_INVALID, detail)

    @classmethod
    def failed(cls, detail: str) -> PushOutcome:
        return cls(DeliveryStatus.FAILED, detail)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date), None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
