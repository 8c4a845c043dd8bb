"""A phone talking to a real server over HTTP: slot, bytes, complete, as the app does."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import httpx


class HttpPhone:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    async def close(self) -> None:
        await self.http.aclose()

    async def slot(self, data: bytes, view: str, key: str | None = None) -> dict:
        body = {
            "view": view, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "content_type": "image/jpeg",
            "idempotency_key": key or str(uuid.uuid4()), "captured_at": datetime.now(UTC).isoformat(),
            "checkin_month": 0,
        }
        answer = await self.http.post("/me/photos/slots", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def put(self, upload: dict, data: bytes) -> httpx.Response:
        async with httpx.AsyncClient(timeout=30) as bare:  # the store's URL is signed: no token
            return await bare.put(upload["url"], content=data, headers=upload["headers"])

    async def send(self, data: bytes, view: str) -> str:
        """Slot and bytes; the photo's id (complete not called yet)."""
        slot = await self.slot(data, view)
        sent = await self.put(slot["upload"], data)
        assert sent.status_code == 200, sent.text
        return slot["photo_id"]

    async def complete(self, photo_id: str) -> httpx.Response:
        return await self.http.post(f"/me/photos/{photo_id}/complete")

    async def status(self, photo_id: str) -> str:
        answer = await self.http.get(f"/me/photos/{photo_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()["status"]
