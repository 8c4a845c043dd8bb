"""Marketing consent (apart from care and research) and the before/after images made under it."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from shared.contract.base import Request, Response, published

# how long the patient lets the clinic use the photos; none: until they withdraw
CONSENT_MONTHS = (6, 12, 24)
ConsentMonths = Annotated[int, msgspec.Meta(ge=1, le=120), published(enum=list(CONSENT_MONTHS))]
Layout = Literal["side_by_side", "slider"]


class MarketingConsentGrant(Request, kw_only=True):
    """Which photos (all, or the listed ones) and for how long (`months`; none: until withdrawn)."""

    all_photos: bool = False
    photo_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=500)] = msgspec.field(default_factory=list)
    months: ConsentMonths | None = None


class MarketingConsentOut(Response, kw_only=True):
    id: uuid.UUID
    source: Literal["app", "paper"]
    all_photos: bool
    photo_ids: list[uuid.UUID]
    granted_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    signed_on: date | None = None  # a paper form's date
    has_form: bool = False  # the signed PDF is kept with it


class MyMarketingConsent(Response, kw_only=True):
    """What the patient has allowed now, and when they last withdrew (if ever)."""

    live: list[MarketingConsentOut]
    last_withdrawn_at: datetime | None
    images_deleted: int  # before/after images the clinic deleted at that withdrawal


class BeforeAfterCreate(Request, kw_only=True):
    before_photo_id: uuid.UUID
    after_photo_id: uuid.UUID
    layout: Layout = "side_by_side"


class BeforeAfterOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    view: str
    layout: Layout
    after_label: str
    content_type: str
    size: int
    created_at: datetime
    image_url: str  # behind the same staff sign-in


class PatientMarketing(Response, kw_only=True):
    """A patient's marketing consents (live and past) and the clinic's saved before/after images."""

    consents: list[MarketingConsentOut]
    live: bool
    images: list[BeforeAfterOut]
    last_withdrawn_at: datetime | None
    images_deleted: int
