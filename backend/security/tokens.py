"""Opaque bearer tokens: random, shown once, stored only as sha256."""

from __future__ import annotations

import hashlib
import secrets

STAFF_TOKEN_PREFIX = "fst_"
# the dashboard cookie's session id: a secret of its own kind, refused wherever an API token is
# taken, so the cookie never holds (or works as) an API token
DASHBOARD_SESSION_PREFIX = "fds_"
DEVICE_TOKEN_PREFIX = "fdv_"
# no 0/O/1/I/L: invite codes are read aloud and typed on phones
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invite_code(length: int = 8) -> str:
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(length))


def normalise_invite_code(code: str) -> str:
    """Accept what a patient types: lower case, spaces and dashes, easily-confused letters."""
    cleaned = code.upper().replace(" ", "").replace("-", "")
    return cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
