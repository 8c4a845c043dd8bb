"""Ed25519 keys and signatures of network messages (the `cryptography` package): a clinic signs the
exact JSON text it sends; the registry checks it against the public key the clinic joined with."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def new_private_key() -> str:
    """A fresh private key, base64 of its 32 raw bytes (kept by the clinic, never sent)."""
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def public_key_of(private_key: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign(private_key: str, payload: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return base64.b64encode(key.sign(payload.encode())).decode()


def verify(public_key: str, payload: str, signature: str) -> bool:
    """True when `signature` is the holder of `public_key` signing exactly `payload`."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), payload.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
