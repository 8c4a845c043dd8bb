"""The secret in a staff invite or password link: the link row's id and an HMAC of it under the
app's secret key. Nothing stored opens a link, and the outbox can write the email long after the
link was made (the same key seals and checks it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

_CONTEXT = b"follicle-staff-link:"
PATH = "/dashboard/staff-links/"


def _seal(link_id: uuid.UUID, secret_key: str) -> str:
    digest = hmac.new(secret_key.encode(), _CONTEXT + link_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_for(link_id: uuid.UUID, secret_key: str) -> str:
    return f"{link_id.hex}.{_seal(link_id, secret_key)}"


def link_id_of(token: str, secret_key: str) -> uuid.UUID | None:
    """The link row a token names, or None when it was not sealed with this key."""
    head, _, seal = token.partition(".")
    try:
        link_id = uuid.UUID(hex=head)
    except ValueError:
        return None
    return link_id if hmac.compare_digest(seal.encode(), _seal(link_id, secret_key).encode()) else None


def url_for(link_id: uuid.UUID, *, public_url: str, secret_key: str) -> str:
    return f"{public_url.rstrip('/')}{PATH}{token_for(link_id, secret_key)}"
