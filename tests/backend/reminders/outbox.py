"""Helpers for the reminder tests: local wall times, and the outbox as the app and the clinic see it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from backend.push import OutboxOnlyProvider, PushPlatform
from tests.backend.world import World

LONDON = ZoneInfo("Europe/London")
OUTBOX_ONLY = {PushPlatform.ANDROID: OutboxOnlyProvider(), PushPlatform.IOS: OutboxOnlyProvider()}


def local_day(days_from_today: int, zone: ZoneInfo = LONDON) -> date:
    return datetime.now(zone).date() + timedelta(days=days_from_today)


def local_time(days_from_today: int, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    """A wall time `days_from_today` days ahead in `zone`, as a UTC instant."""
    return datetime.combine(local_day(days_from_today, zone), time(hour, minute), tzinfo=zone).astimezone(UTC)


def parse(instant: str) -> datetime:
    return datetime.fromisoformat(instant.replace("Z", "+00:00"))


async def my_schedule(client: httpx.AsyncClient, world: World, who: str = "patient_a", **params) -> dict:
    answer = await client.get("/me/schedule", params=params, headers=world.headers(who))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def history(client: httpx.AsyncClient, world: World, patient: str = "patient_a", **params) -> dict:
    answer = await client.get(
        f"/patients/{world.ids[patient]}/reminders", params={"limit": 200, **params}, headers=world.headers("staff_x")
    )
    assert answer.status_code == 200, answer.text
    return answer.json()

