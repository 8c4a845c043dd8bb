"""The one clock: the current instant in UTC, and a patient's or clinic's local date.

A stored timezone that is not a known IANA name (an old row, a phone that sent nonsense) falls
back to UTC here, explicitly, rather than failing the page or the job that asked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_ZONE = ZoneInfo("UTC")


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def zone_of(timezone: str) -> ZoneInfo:
    """The IANA zone named `timezone`; UTC when the name is unknown or malformed."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return FALLBACK_ZONE


def local_today(timezone: str, now: datetime | None = None) -> date:
    """The date in `timezone` at `now` (default: this instant)."""
    return (now or utcnow()).astimezone(zone_of(timezone)).date()
