"""Photo check-ins: the upload protocol (slot, bytes, complete), photo status, and the timeline.

The upload protocol, as the phone runs it:
1. `POST /me/photos/slots` with an `UploadSlotRequest`. The `idempotency_key` is made on the phone
   when the photo is taken and never changes: the same key always answers with the same photo,
   so a slot asked for twice (a retry, an app restarted) never makes a second photo.
2. The answer, `UploadSlot`, carries an `upload` target unless the backend already has the bytes
   (`status` past `pending`) or found them in the store (`already_uploaded`: skip to step 4).
   Send the file's bytes to `upload.url` with `upload.method`:
   - "PUT": the raw bytes as the body, with exactly the headers in `upload.headers`;
   - "POST": a multipart form with `upload.fields` first, then the file as the field "file".
   A target expires at `upload.expires_at` (minutes): ask for a slot again with the same key
   to get a fresh one.
3. `POST /me/photos/{photo_id}/complete`: the backend checks the object (size, sha256, that it
   is a whole photo of the declared type) and answers a `PhotoOut` with `status` "uploaded";
   processing then runs in the background until `status` is "ready" or "rejected".
   Calling complete again is harmless and answers the same photo.
4. `GET /me/photos/{photo_id}` polls the status; a rejected photo says why in `rejection`.

Errors use the stable codes of shared.errors.ErrorCode. Codes after which the phone should ask
for a fresh slot with the same key: photo_not_uploaded, upload_url_invalid,
photo_size_mismatch, photo_checksum_mismatch. A 503 (store_unavailable) carries Retry-After.
Refusals for good: photo_empty, photo_too_large, photo_not_an_image, unsupported_media_type,
photo_corrupt, photo_too_many_pixels, photo_too_small, view_not_in_protocol,
idempotency_conflict (the key was used for a different photo), not_found.

Routes (patient = device token, staff = staff token):
    POST /me/photos/slots                  UploadSlotRequest -> UploadSlot        (patient)
    POST /me/photos/{photo_id}/complete    -> PhotoOut                            (patient)
    GET  /me/photos/{photo_id}             -> PhotoOut                            (patient)
    GET  /me/checkins                      -> MyCheckIns                          (patient)
    GET  /me/timeline                      -> Timeline                            (patient)
    GET  /patients/{patient_id}/timeline   -> Timeline                            (staff, audited)
    GET  /patients/{patient_id}/checkins   -> list[CheckInOut]                    (staff)
    GET  /photos/{photo_id}                -> PhotoOut                            (staff, audited)
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from shared.contract.base import Request, Response, published
from shared.contract.coverage import CoverageCell
from shared.contract.injections import SessionStatus
from shared.contract.patients import Treatment
from shared.contract.ratings import ConsensusScore
from shared.quality import QualityReport
from shared.views import ViewId

# What the phone may declare as `content_type`; the bytes' magic numbers must agree with it.
PHOTO_CONTENT_TYPES: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")

Sha256Hex = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-fA-F]{64}$")]
CheckInMonth = Annotated[int, msgspec.Meta(ge=0, le=600)]  # 0 is the baseline month
ByteSize = Annotated[int, msgspec.Meta(ge=0, le=2**40)]  # the clinic's own limit is checked by the service
PixelSide = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
ViewName = Annotated[str, msgspec.Meta(min_length=1, max_length=40), published(enum=[v.value for v in ViewId])]
ContentType = Annotated[str, msgspec.Meta(min_length=1, max_length=100), published(enum=list(PHOTO_CONTENT_TYPES))]


class PhotoStatus(StrEnum):
    PENDING = "pending"  # a slot was given; the backend has not confirmed the bytes yet
    UPLOADED = "uploaded"  # complete checked the bytes; processing is queued or running
    READY = "ready"  # processed: upright, no metadata, thumbnails and metrics stored
    REJECTED = "rejected"  # processing refused it; `rejection` says why


class CheckInStatus(StrEnum):
    OPEN = "open"  # some views of the protocol have no ready photo yet
    COMPLETE = "complete"  # every view of the protocol has a ready photo


class UploadSlotRequest(Request, kw_only=True):
    """Ask where to send one photo. Give `checkin_month` (months since the baseline, 0 = baseline)
    or the `checkin_id` of an existing check-in."""

    checkin_month: CheckInMonth | None = None
    checkin_id: uuid.UUID | None = None
    view: ViewName  # a shared.views.ViewId in the clinic's protocol
    sha256: Sha256Hex  # of the exact bytes that will be sent
    size: ByteSize  # in bytes, of the exact bytes that will be sent
    content_type: ContentType  # one of PHOTO_CONTENT_TYPES
    idempotency_key: uuid.UUID  # made on the phone when the photo was taken
    captured_at: datetime
    width: PixelSide | None = None  # as the phone saw it (informational)
    height: PixelSide | None = None
    phone_quality: QualityReport | None = None  # the phone's own check after the shot


class UploadTarget(Response, kw_only=True):
    method: Literal["PUT", "POST"]
    url: str
    headers: dict[str, str] = msgspec.field(default_factory=dict)  # PUT: send exactly these
    fields: dict[str, str] = msgspec.field(default_factory=dict)  # POST: form fields before "file"
    expires_at: datetime


class UploadSlot(Response, kw_only=True):
    photo_id: uuid.UUID
    checkin_id: uuid.UUID
    checkin_month: int
    view: str
    status: PhotoStatus
    upload: UploadTarget | None  # None when the backend already has the bytes (status past pending)
    already_uploaded: bool = False  # the store holds the bytes: skip the upload, call complete


class PhotoRejection(Response, kw_only=True):
    code: str  # a stable shared.errors.ErrorCode
    message: str  # words a patient understands


class PhotoOut(Response, kw_only=True):
    id: uuid.UUID
    patient_id: uuid.UUID
    checkin_id: uuid.UUID
    checkin_month: int
    view: str
    status: PhotoStatus
    size: int
    sha256: str
    width: int | None  # of the stored (upright) photo, once ready
    height: int | None
    captured_at: datetime
    uploaded_at: datetime | None  # when complete accepted the bytes
    processed_at: datetime | None
    metrics: QualityReport | None  # measured by the backend once ready
    rejection: PhotoRejection | None
    # short-lived links, present once ready; they expire at `urls_expire_at`
    thumbnail_url: str | None = None  # about 320 px on the long side
    preview_url: str | None = None  # about 1280 px
    full_url: str | None = None  # the full-size photo
    urls_expire_at: datetime | None = None


class CheckInOut(Response, kw_only=True):
    id: uuid.UUID
    month: int
    due_on: date
    status: CheckInStatus
    views: list[str]  # the protocol's views for this check-in, in capture order
    done_views: list[str]  # views with a ready photo
    completed_at: datetime | None
    photos: list[PhotoOut]  # without URLs here; the timeline and GET /photos/{id} give them


class MyCheckIns(Response, kw_only=True):
    """What the phone needs to plan a check-in: which months are done and what is due now."""

    baseline_date: date
    protocol_views: list[str]
    current_month: int | None  # the month whose window is open today, if any
    completed_months: list[int]
    items: list[CheckInOut]


class TimelineView(Response, kw_only=True):
    id: str
    label: str


class TimelinePhoto(Response, kw_only=True):
    id: uuid.UUID
    view: str
    status: PhotoStatus
    captured_at: datetime
    width: int | None
    height: int | None
    metrics: QualityReport | None
    rejection: PhotoRejection | None
    thumbnail_url: str | None  # present once ready
    preview_url: str | None
    full_url: str | None


class TimelineMonth(Response, kw_only=True):
    """One column: a check-in month, with at most one photo per view (the latest usable one)."""

    month: int
    due_on: date
    checkin_id: uuid.UUID | None  # None when nothing was uploaded for this month
    status: CheckInStatus | None
    completed_at: datetime | None
    photos: list[TimelinePhoto]


class TimelineInjection(Response, kw_only=True):
    id: uuid.UUID
    status: SessionStatus
    scheduled_at: datetime
    performed_at: datetime | None
    month: int  # the check-in month it falls in (the last one due on or before its day); -1 before the baseline
    treatment: Treatment
    product: str
    lot_number: str | None  # staff only; None for the patient


class Timeline(Response, kw_only=True):
    """Months across (oldest first, from the baseline to the current month), views down,
    injection sessions on the same axis. URLs expire at `urls_expire_at`."""

    patient_id: uuid.UUID
    baseline_date: date
    views: list[TimelineView]  # rows, in capture order
    months: list[TimelineMonth]  # columns
    injections: list[TimelineInjection]  # oldest first; cancelled sessions are left out
    urls_expire_at: datetime
    # the blinded raters' consensus per view and follow-up month (newest round), by month then
    # view: for admins and clinicians; for the patient only when the clinic shares it
    consensus: list[ConsensusScore] = msgspec.field(default_factory=list)
    # the coverage index of each ready cell's photo, with its change from the view's first
    # figure, by month then view: for admins and clinicians only
    coverage: list[CoverageCell] = msgspec.field(default_factory=list)
