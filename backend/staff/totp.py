"""TOTP codes (RFC 6238: SHA-1, 6 digits, 30-second steps) through pyotp, the enrolment QR code,
and recovery codes. Pure: the time is always passed in, never read here."""

from __future__ import annotations

import hmac
import io
import secrets
from datetime import datetime

import pyotp
import qrcode
from qrcode.image.svg import SvgPathImage

from backend.security.tokens import token_hash

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # a code of the step before or after the server's is accepted: phones' clocks drift
ISSUER = "Follicle"
RECOVERY_CODES = 10
# 16 characters of these 31 (no 0/O/1/I/L): 79 random bits each, typed as four groups of four
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(32)


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, *, now: datetime, after_step: int) -> int | None:
    """The time step whose code `code` is, within WINDOW steps of `now` and newer than
    `after_step` (the last one accepted, so each code works once); None otherwise."""
    typed = "".join(code.split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    current = step_at(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # compare every candidate, so the time taken says nothing about which one matched
        if hmac.compare_digest(code_at(secret, step), typed) and step > after_step and found is None:
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, clinic: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = f"{ISSUER} ({clinic})"
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=account, issuer_name=label)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no image request, nothing cached)."""
    image = qrcode.make(uri, image_factory=SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.add("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return sorted(codes)


def normalise_recovery_code(typed: str) -> str:
    """What the member typed, as it was shown: upper case in groups of four (spaces, dashes and
    case do not matter)."""
    raw = "".join(ch for ch in typed.upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def recovery_hash(code: str) -> str:
    """A recovery code's stored form: sha256. With 79 random bits per code no guessing against the
    digest can succeed, which is why a slow password hash is not needed here (README.md)."""
    return token_hash(normalise_recovery_code(code))


def looks_like_recovery_code(typed: str) -> bool:
    return sum(ch.isalnum() for ch in typed) == 16


__all__ = [
    "ISSUER", "RECOVERY_CODES", "STEP_SECONDS", "WINDOW", "code_at", "looks_like_recovery_code", "matching_step",
    "new_recovery_codes", "new_secret", "normalise_recovery_code", "provisioning_uri", "qr_svg",
    "recovery_hash", "spaced", "step_at",
]
