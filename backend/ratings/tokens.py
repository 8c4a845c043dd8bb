"""Blinding tokens: the random token a rater addresses one presentation by, and the short-lived
image links of the rater view.

An image link names only a presentation token, a side (left or right) and an expiry, sealed with
an HMAC of the server's secret: no photo id, storage token, patient or round, so neither the link
nor the bytes behind it lead back to a patient, and two pairs of one patient cannot be linked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from dataclasses import dataclass

TOKEN_BYTES = 16
_MAC_BYTES = 16
_SIDES = {b"l": "left", b"r": "right"}


def new_task_token() -> str:
    """A random token (22 characters, URL-safe) for one presentation of a pair to one rater."""
    return base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode()


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"follicle-rating-image:" + secret.encode()).digest()


@dataclass(frozen=True)
class ImageLink:
    task_token: str
    side: str  # "left" or "right"
    expires: int  # unix seconds


def sign_image_link(secret: str, task_token: str, side: str, expires: int) -> str:
    """An opaque link id for one side of one presentation, valid until `expires`."""
    raw_token = base64.urlsafe_b64decode(task_token + "=" * (-len(task_token) % 4))
    payload = raw_token + (b"l" if side == "left" else b"r") + struct.pack(">I", expires)
    mac = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode()


def open_image_link(secret: str, link: str, *, now: float | None = None) -> ImageLink | None:
    """The presentation and side a link names, or None when it is forged, damaged or expired."""
    try:
        blob = base64.urlsafe_b64decode(link + "=" * (-len(link) % 4))
    except (ValueError, TypeError):
        return None
    if len(blob) != TOKEN_BYTES + 1 + 4 + _MAC_BYTES:
        return None
    payload, mac = blob[:-_MAC_BYTES], blob[-_MAC_BYTES:]
    expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        return None
    side = _SIDES.get(payload[TOKEN_BYTES : TOKEN_BYTES + 1])
    (expires,) = struct.unpack(">I", payload[TOKEN_BYTES + 1 :])
    if side is None or expires < (time.time() if now is None else now):
        return None
    token = base64.urlsafe_b64encode(payload[:TOKEN_BYTES]).rstrip(b"=").decode()
    return ImageLink(task_token=token, side=side, expires=expires)
