"""Object keys of a photo: a random token only, never a name, record number or patient id."""

from __future__ import annotations

import secrets

RENDITIONS = ("full", "preview", "thumb")
UPLOADS_PREFIX = "incoming/"
PHOTOS_PREFIX = "photos/"


def new_token() -> str:
    return secrets.token_hex(16)


def upload_key(token: str) -> str:
    """Where the phone's original bytes wait until processing (they carry GPS: deleted after)."""
    return f"{UPLOADS_PREFIX}{token}"


def rendition_key(token: str, name: str) -> str:
    """The processed photo ("full") and its thumbnails ("preview", "thumb"): JPEG, no metadata."""
    return f"{PHOTOS_PREFIX}{token}/{name}.jpg"


def all_keys(token: str) -> list[str]:
    return [upload_key(token), *(rendition_key(token, name) for name in RENDITIONS)]


def token_of(key: str) -> str | None:
    """The storage token a key belongs to, or None for a key that is not a photo's."""
    if key.startswith(UPLOADS_PREFIX):
        token = key[len(UPLOADS_PREFIX) :]
    elif key.startswith(PHOTOS_PREFIX):
        token = key[len(PHOTOS_PREFIX) :].split("/", 1)[0]
    else:
        return None
    return token if len(token) == 32 and all(c in "0123456789abcdef" for c in token) else None
