"""The clinic (tenant) and its staff."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from shared.contract.auth import StaffRole
from shared.contract.base import Email, NewPassword, Request, Response, ShortText, TimezoneName, published
from shared.views import ViewId

ProtocolView = Annotated[str, msgspec.Meta(min_length=1, max_length=40), published(enum=[v.value for v in ViewId])]


class ClinicOut(Response, kw_only=True):
    id: uuid.UUID
    name: str
    timezone: str
    protocol_views: list[str]
    created_at: datetime
    share_consensus_with_patients: bool = False  # patients' phones show the raters' consensus
    require_two_factor: bool = False  # every staff member signs in with a TOTP code


class ClinicUpdate(Request, kw_only=True):
    name: ShortText | None = None
    timezone: TimezoneName | None = None
    protocol_views: Annotated[list[ProtocolView], msgspec.Meta(max_length=len(ViewId))] | None = None
    share_consensus_with_patients: bool | None = None
    require_two_factor: bool | None = None


class StaffCreate(Request, kw_only=True):
    email: Email
    name: ShortText
    role: StaffRole
    password: NewPassword
