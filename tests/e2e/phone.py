"""A patient's phone, as far as the browser tests need one: enrol with an invite code and upload
monthly check-in photos through the real protocol (slot, bytes to the store, complete), then wait
for the backend to finish processing them."""

from __future__ import annotations

import hashlib
import io
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from PIL import Image, ImageDraw, ImageFilter

VIEWS = ("frontal", "vertex", "crown", "left_temple", "right_temple")


def scalp_photo(view: str, month: int, size: tuple[int, int] = (900, 1200)) -> bytes:
    """A synthetic scalp photo: skin, hair strands, and a thin patch that fills in month by month."""
    rng = random.Random(f"{view}-{month}")
    width, height = size
    image = Image.new("RGB", size, (214, 170, 140))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):  # soft light from the top
        shade = int(18 * y / height)
        draw.rectangle([0, y, width, y + 8], fill=(214 - shade, 170 - shade, 140 - shade))
    cx, cy = width * (0.5 if view in ("vertex", "crown") else 0.45), height * (0.45 if view != "frontal" else 0.25)
    thin = max(60.0, 330.0 - 55.0 * month)  # the patch's radius shrinks as hair regrows
    for _ in range(5200 + 500 * month):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < thin**2
        if inside and rng.random() > 0.12 + 0.1 * month:
            continue
        length, slant = rng.uniform(25, 70), rng.uniform(-0.5, 0.5)
        colour = rng.choice([(52, 36, 28), (66, 45, 33), (40, 28, 22), (78, 56, 40)])
        draw.line([(x, y), (x + slant * length, y + length)], fill=colour, width=rng.choice([1, 2, 2, 3]))
    image = image.filter(ImageFilter.SMOOTH_MORE)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


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
