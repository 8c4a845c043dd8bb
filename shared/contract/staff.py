"""Staff accounts managed by the clinic's admins, and two-factor sign-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from shared.contract.auth import StaffRole
from shared.contract.base import Email, NewPassword, Request, Response, ShortText

# a TOTP code (6 digits) or a recovery code (16 characters in groups of four)
SecondFactorCode = Annotated[str, msgspec.Meta(min_length=6, max_length=32)]


class StaffMemberOut(Response, kw_only=True):
    id: uuid.UUID
    clinic_id: uuid.UUID
    email: str
    name: str
    role: StaffRole
    active: bool
    invite_pending: bool  # invited, no password chosen yet
    two_factor: bool  # signs in with a TOTP code
    last_sign_in_at: datetime | None
    created_at: datetime


class StaffInviteCreate(Request, kw_only=True):
    email: Email
    name: ShortText
    role: StaffRole


class StaffUpdate(Request, kw_only=True):
    role: StaffRole


class PasswordChoice(Request, kw_only=True):
    password: NewPassword


class SecondFactor(Request, kw_only=True):
    code: SecondFactorCode


class TwoFactorEnrolment(Response, kw_only=True):
    """A new TOTP secret: put it into an authenticator app (the URI is what the QR code holds),
    then confirm with a code from it."""

    secret: str
    otpauth_uri: str


class RecoveryCodes(Response, kw_only=True):
    """Ten single-use codes for when the phone is not at hand: shown this once, kept hashed."""

    codes: list[str]
