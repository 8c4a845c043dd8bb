"""Stored photos for the before/after tests: a textured scene (like hair against scalp), the
later one taken a little off to the side and closer, written to the store as the processed
"full" rendition the way processing leaves it."""

from __future__ import annotations

import io
import secrets
import uuid
from datetime import UTC, date, datetime

import numpy as np
from PIL import Image, ImageFilter

from backend.checkins.models import CheckIn
from backend.photos import keys
from backend.photos.models import Photo
from shared.contract.checkins import PhotoStatus


def scene(seed: int = 3) -> Image.Image:
    rng = np.random.default_rng(seed)
    noise = (rng.random((700, 900)) * 255).astype("uint8")
    return Image.fromarray(noise).filter(ImageFilter.GaussianBlur(5)).resize((1350, 1800)).convert("RGB")


def shot(picture: Image.Image, *, dx: int = 0, dy: int = 0, zoom: float = 1.0) -> Image.Image:
    """A 900 x 1200 photo of the scene, moved by (dx, dy) and `zoom` closer."""
    width, height = 900 / zoom, 1200 / zoom
    left, top = 225 + dx + (900 - width) / 2, 300 + dy + (1200 - height) / 2
    return picture.crop((round(left), round(top), round(left + width), round(top + height))).resize((900, 1200))


def jpeg(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


async def stored_photo(store, patient_id: uuid.UUID, *, month: int, picture: Image.Image, view: str = "frontal") -> Photo:
    checkin = await CheckIn.filter(patient_id=patient_id, month=month).first() or await CheckIn.create(
        patient_id=patient_id, month=month, due_on=date(2026, 1 + month, 15), views=[view]
    )
    token = secrets.token_hex(16)
    data = jpeg(picture)
    await store.write(keys.rendition_key(token, "full"), data, content_type="image/jpeg")
    taken = datetime(2026, 1 + month, 15, 10, tzinfo=UTC)
    return await Photo.create(
        patient_id=patient_id, checkin_id=checkin.id, view=view, idempotency_key=uuid.uuid4(), storage_token=token,
        status=PhotoStatus.READY, content_type="image/jpeg", sha256="0" * 64, size=len(data), width=900, height=1200,
        captured_at=taken, slot_issued_at=taken, uploaded_at=taken, processed_at=taken,
    )
