"""A patient's phone, as far as the browser tests need one: enrol with an invite code and upload
monthly check-in photos through the real protocol (slot, bytes to the store, complete), then wait
for the backend to finish processing them."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from backend.demo_photos import scalp_photo

VIEWS = ("frontal", "vertex", "crown", "left_temple", "right_temple")


def enrol(base_url: str, code: str) -> str:
    answer = httpx.post(f"{base_url}/enrol", json={"code": code, "device_name": "Test phone", "platform": "android"})
    answer.raise_for_status()
    return answer.json()["device_token"]


def upload_check_ins(base_url: str, device_token: str, baseline: date, months: range, views=VIEWS) -> list[str]:
    """Upload every view of each month; the ids of the photos, once all are processed."""
    headers = {"Authorization": f"Bearer {device_token}"}
    photo_ids = []
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as phone:
        for month in months:
            taken = datetime.combine(baseline + timedelta(days=30 * month), datetime.min.time(), UTC) + timedelta(hours=18)
            for view in views:
                data = scalp_photo(view, month)
                slot = phone.post(
                    "/me/photos/slots",
                    json={
                        "checkin_month": month, "view": view, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                        "content_type": "image/jpeg", "idempotency_key": str(uuid.uuid4()), "captured_at": taken.isoformat(),
                    },
                )
                slot.raise_for_status()
                target = slot.json()["upload"]
                with httpx.Client(timeout=30) as store:
                    if target["method"] == "PUT":
                        store.put(target["url"], content=data, headers=target["headers"]).raise_for_status()
                    else:
                        store.post(target["url"], data=target["fields"], files={"file": ("photo.jpg", data, "image/jpeg")}).raise_for_status()
                photo_id = slot.json()["photo_id"]
                phone.post(f"/me/photos/{photo_id}/complete").raise_for_status()
                photo_ids.append(photo_id)
        for photo_id in photo_ids:
            _wait_until_ready(phone, photo_id)
    return photo_ids


def _wait_until_ready(phone: httpx.Client, photo_id: str, patience: float = 60.0) -> None:
    """Processing runs in the background job runner; a rejection is a broken test setup."""
    deadline = time.monotonic() + patience
    while True:
        status = phone.get(f"/me/photos/{photo_id}").json()
        if status["status"] == "ready":
            return
        if status["status"] == "rejected":
            raise AssertionError(f"a seeded photo was rejected: {status['rejection']}")
        if time.monotonic() > deadline:
            raise AssertionError(f"photo {photo_id} still {status['status']} after {patience:.0f} s")
        time.sleep(0.1)
