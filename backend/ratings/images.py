"""The rater view's images: an opaque link (see tokens.py) resolved on the server to one side of
one presentation, its photo's preview rendition read from the store and sent as bytes.

What leaves carries nothing that leads back to the photo: no store URL or key, no file name, no
Last-Modified or ETag (a date, and a handle across pairs), and it is never cached. The processed
rendition has no metadata (backend/imaging strips it). Every image sent is a staff view of a photo:
audited, for the rater the link was made for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from backend.audit import service as audit
from backend.photos.keys import rendition_key
from backend.ratings.models import RatingTask
from backend.ratings.tokens import open_image_link
from backend.storage import ObjectStore
from shared.contract.ratings import RoundStatus
from shared.errors import ErrorCode, Forbidden, NotFound

RENDITION = "preview"  # about 1280 px on the long side: sharp at any zoom the rater view allows
IMAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
}
_EXPIRED = "This image link has expired. Reload the rating page."


@dataclass(frozen=True, slots=True)
class RaterActor:
    """The rater an image link was made for, as the audit trail names an actor."""

    clinic_id: uuid.UUID
    actor_id: uuid.UUID
    address: str  # where the image was fetched from (the link is the credential, not a session)
    actor_kind: str = "staff"


async def image_bytes(secret: str, link: str, store: ObjectStore, max_bytes: int, *, address: str) -> bytes:
    """The JPEG bytes one image link stands for; 403 for a forged or expired link, 404 when the
    round closed or the photo is gone."""
    opened = open_image_link(secret, link)
    if opened is None:
        raise Forbidden(_EXPIRED, code=ErrorCode.UPLOAD_URL_INVALID)
    task = (
        await RatingTask.filter(token=opened.task_token)
        .select_related("pair__baseline_photo", "pair__followup_photo", "rater__staff", "round")
        .first()
    )
    if task is None or task.round.status != RoundStatus.OPEN:
        raise NotFound("This pair is no longer being rated.")
    baseline_shown = (opened.side == "left") == task.baseline_left
    photo = task.pair.baseline_photo if baseline_shown else task.pair.followup_photo
    stored = await store.read(rendition_key(photo.storage_token, RENDITION), max_bytes=max_bytes)
    if stored is None:
        raise NotFound("This photo is no longer in the store.")
    await audit.record(
        RaterActor(clinic_id=task.round.clinic_id, actor_id=task.rater.staff.id, address=address),  # type: ignore[arg-type, attr-defined]
        "photo.view", "photo", photo.id, patient_id=task.pair.patient_id,  # type: ignore[attr-defined]
        detail={"via": "rating", "round": str(task.round.id), "pair": str(task.pair.id)},
    )
    return stored.data
