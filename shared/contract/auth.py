"""Staff sign-in and the identity of the caller."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from shared.contract.base import Email, Password, Request, Response


class StaffRole(StrEnum):
    ADMIN = "admin"
    CLINICIAN = "clinician"
    FRONT_DESK = "front_desk"


class SignIn(Request, kw_only=True):
    email: Email
    password: Password
    # the TOTP code (or a recovery code) of a member with two-factor sign-in on
    code: Annotated[str, msgspec.Meta(min_length=6, max_length=32)] | None = None


class StaffOut(Response, kw_only=True):
    id: uuid.UUID
    clinic_id: uuid.UUID
    email: str
    name: str
    role: StaffRole


class SignedIn(Response, kw_only=True):
    token: str
    expires_at: datetime
    staff: StaffOut
