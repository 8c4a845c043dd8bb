"""The rater view's images: an opaque link (see tokens.py) resolved on the server to one side of
one presentation, rendered for that presentation (presentation.py) and sent as bytes.

What leaves carries nothing that leads back to the photo or its time point: no store URL or key,
no file name, no Last-Modified or ETag; every image has the same pixel size, encoder, quality and
byte length, and the same headers; no two are the same bytes. It is never cached by the browser.

Timing: a request for either side reads and renders both sides of its presentation, so the work
(and the response time) is the same whichever side the baseline is on; the side not asked for is
kept in this process for the link's lifetime and handed out once, to the request for it. Every
image sent is a staff view of a photo: audited, for the rater the link was made for.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from backend.audit import service as audit
from backend.photos.budget import DecodeBudget
from backend.photos.keys import rendition_key
from backend.ratings import presentation
from backend.ratings.models import RatingTask
from backend.ratings.tokens import ImageLink, open_image_link, sign_image_link
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
_RENDER_PIXELS = 2 * 3 * (presentation.CANVAS[0] + 2 * presentation.JITTER) * (presentation.CANVAS[1] + 2 * presentation.JITTER)


@dataclass(frozen=True, slots=True)
class RaterActor:
    """The rater an image link was made for, as the audit trail names an actor."""

    clinic_id: uuid.UUID
    actor_id: uuid.UUID
    address: str  # where the image was fetched from (the link is the credential, not a session)
    actor_kind: str = "staff"


class RenderedSides:
    """The other side of a presentation rendered with the one asked for, kept until its own
    request takes it (once) or its link expires; a few dozen at most per process."""

    def __init__(self, entries: int = 32) -> None:
        self.entries = entries
        self._held: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def take(self, link: str) -> bytes | None:
        held = self._held.pop(link, None)
        if held is None or held[0] < time.time():
            return None
        return held[1]

    def keep(self, link: str, expires: float, data: bytes) -> None:
        self._held[link] = (expires, data)
        while len(self._held) > self.entries:
            self._held.popitem(last=False)


async def image_bytes(
    secret: str, link: str, store: ObjectStore, max_bytes: int, *, address: str,
    rendered: RenderedSides | None = None, budget: DecodeBudget | None = None,
) -> bytes:
    """The JPEG bytes one image link stands for, rendered for this presentation; 403 for a forged
    or expired link, 404 when the round closed or the photo is gone."""
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
    data = rendered.take(link) if rendered is not None else None
    if data is None:
        data, other = await _render_both(task, baseline_shown, store, max_bytes, budget)
        if rendered is not None:
            rendered.keep(_other_link(secret, opened), opened.expires, other)
    await audit.record(
        RaterActor(clinic_id=task.round.clinic_id, actor_id=task.rater.staff.id, address=address),  # type: ignore[arg-type, attr-defined]
        "photo.view", "photo", photo.id, patient_id=task.pair.patient_id,  # type: ignore[attr-defined]
        detail={"via": "rating", "round": str(task.round.id), "pair": str(task.pair.id)},
    )
    return data


def _other_link(secret: str, opened: ImageLink) -> str:
    return sign_image_link(secret, opened.task_token, "right" if opened.side == "left" else "left", opened.expires)


async def _render_both(
    task: RatingTask, baseline_shown: bool, store: ObjectStore, max_bytes: int, budget: DecodeBudget | None
) -> tuple[bytes, bytes]:
    """(the side asked for, the other side): both read and rendered, in this order whichever is
    the baseline, so the time taken says nothing about it."""
    baseline, followup = task.pair.baseline_photo, task.pair.followup_photo
    asked, other = (baseline, followup) if baseline_shown else (followup, baseline)
    sources = await asyncio.gather(
        *(store.read(rendition_key(photo.storage_token, RENDITION), max_bytes=max_bytes) for photo in (asked, other))
    )
    if any(source is None for source in sources):
        raise NotFound("This photo is no longer in the store.")
    rng = secrets.SystemRandom()

    def both() -> tuple[bytes, bytes]:
        return presentation.render(sources[0].data, rng), presentation.render(sources[1].data, rng)  # type: ignore[union-attr]

    if budget is None:
        return await asyncio.to_thread(both)
    async with budget.hold(_RENDER_PIXELS):
        return await budget.run(both)
