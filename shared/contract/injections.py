"""Injection sessions: what was injected, from which product lot, when."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from shared.contract.base import LongText, OptionalShortText, Request, Response
from shared.contract.patients import Treatment


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class InjectionArea(StrEnum):
    FRONTAL = "frontal"
    VERTEX = "vertex"
    CROWN = "crown"
    LEFT_TEMPLE = "left_temple"
    RIGHT_TEMPLE = "right_temple"
    MID_SCALP = "mid_scalp"
    WHOLE_SCALP = "whole_scalp"


VolumeMl = Annotated[float, msgspec.Meta(ge=0, le=100)]
LotNumber = Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[A-Za-z0-9._/ -]*$")]


class InjectionCreate(Request, kw_only=True):
    scheduled_at: datetime
    status: SessionStatus = SessionStatus.SCHEDULED
    treatment: Treatment
    product: OptionalShortText = ""
    lot_number: LotNumber = ""
    volume_ml: VolumeMl | None = None
    areas: Annotated[list[InjectionArea], msgspec.Meta(max_length=len(InjectionArea))] = msgspec.field(default_factory=list)
    notes: LongText = ""


class InjectionUpdate(Request, kw_only=True):
    scheduled_at: datetime | None = None
    status: SessionStatus | None = None
    treatment: Treatment | None = None
    product: OptionalShortText | None = None
    lot_number: LotNumber | None = None
    volume_ml: VolumeMl | None = None
    areas: Annotated[list[InjectionArea], msgspec.Meta(max_length=len(InjectionArea))] | None = None
    notes: LongText | None = None


class InjectionOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    status: SessionStatus
    scheduled_at: datetime
    performed_at: datetime | None
    treatment: Treatment
    product: str
    lot_number: str
    volume_ml: float | None
    areas: list[InjectionArea]
    notes: str
    created_at: datetime
    updated_at: datetime


class PatientInjectionOut(Response, kw_only=True):
    """What the patient's phone sees of a session: no staff notes."""

    id: uuid.UUID
    status: SessionStatus
    scheduled_at: datetime
    treatment: Treatment
    product: str
