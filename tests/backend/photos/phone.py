"""A phone in tests: the three calls of the upload protocol, as the app makes them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import httpx

APP_BASE = "http://testserver.local"


class Phone:
    def __init__(self, client: httpx.AsyncClient, store_http: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client  # the app
        self.store_http = store_http  # the store, over real HTTP
        self.headers = headers

    def slot_body(
        self,
        data: bytes,
        *,
        view: str = "frontal",
        month: int | None = 0,
        checkin_id: str | None = None,
        key: str | None = None,
        content_type: str = "image/jpeg",
        size: int | None = None,
        sha256: str | None = None,
    ) -> dict:
        body = {
            "view": view,
            "sha256": sha256 or hashlib.sha256(data).hexdigest(),
            "size": len(data) if size is None else size,
            "content_type": content_type,
            "idempotency_key": key or str(uuid.uuid4()),
            "captured_at": datetime.now(UTC).isoformat(),
        }
        if checkin_id is not None:
            body["checkin_id"] = checkin_id
        elif month is not None:
            body["checkin_month"] = month
        return body

    async def slot(self, data: bytes, **options) -> httpx.Response:
        return await self.client.post("/me/photos/slots", json=self.slot_body(data, **options), headers=self.headers)

    async def send(self, upload: dict, data: bytes) -> httpx.Response:
        """Send the bytes the way the slot says (PUT with its headers, or a POST form)."""
        http = self.client if upload["url"].startswith(APP_BASE) else self.store_http
        if upload["method"] == "PUT":
            # the HTTP client sets Content-Length itself (so a test may send other bytes than announced)
            headers = {k: v for k, v in upload["headers"].items() if k.lower() != "content-length"}
            return await http.put(upload["url"], content=data, headers=headers)
        return await http.post(upload["url"], data=upload["fields"], files={"file": ("photo", data)})

    async def complete(self, photo_id: str) -> httpx.Response:
        return await self.client.post(f"/me/photos/{photo_id}/complete", headers=self.headers)

    async def status(self, photo_id: str) -> httpx.Response:
        return await self.client.get(f"/me/photos/{photo_id}", headers=self.headers)

    async def upload(self, data: bytes, **options) -> httpx.Response:
        """Slot, bytes, complete; the answer of the last call made."""
        slot = await self.slot(data, **options)
        if slot.status_code != 200:
            return slot
        body = slot.json()
        if body["upload"] is not None:
            sent = await self.send(body["upload"], data)
            assert sent.status_code in (200, 204), sent.text
        return await self.complete(body["photo_id"])
