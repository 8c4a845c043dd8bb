"""Small helpers the rating tests share: set a round up and score through the API."""

from __future__ import annotations

import uuid

from backend.clinics.models import StaffUser
from tests.backend.world import World


async def staff_id(email: str) -> str:
    return str((await StaffUser.get(email=email)).id)


async def create_round(client, world: World, *, raters=("admin@x.example", "clinician@x.example"), **extra) -> dict:
    body = {"name": "Month 3 frontal", "months": [3], "rater_ids": [await staff_id(e) for e in raters], **extra}
    answer = await client.post("/ratings/rounds", json=body, headers=world.headers("staff_x"))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def queue(client, world: World, who: str, round_id: str, sitting: str | None = None) -> dict:
    params = {"sitting": sitting} if sitting else {}
    answer = await client.get(f"/ratings/rounds/{round_id}/queue", params=params, headers=world.headers(who))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def score(client, world: World, who: str, round_id: str, token: str, value: int | None, **extra):
    body = {"score": value, **extra} if value is not None else extra
    return await client.post(f"/ratings/rounds/{round_id}/tasks/{token}/score", json=body, headers=world.headers(who))


def new_sitting() -> str:
    return str(uuid.uuid4())


async def close_round(client, world: World, round_id: str) -> dict:
    answer = await client.post(f"/ratings/rounds/{round_id}/close", headers=world.headers("staff_x"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def publish_round(client, world: World, round_id: str):
    return await client.post(f"/ratings/rounds/{round_id}/publish", headers=world.headers("staff_x"))
