"""The ghost overlay's picture for a view: the patient's last photo of that view, faded over the
camera so this month is framed like the last. From this phone's own photos when it has one, else
the latest usable photo in the clinic's timeline (a new phone, a reinstall), downloaded once."""

from __future__ import annotations

import logging
from pathlib import Path

from mobile.services.api_client import ApiClient, ApiError
from mobile.services.thumbnails import thumbnail
from mobile.services.upload_queue import PhotoState, UploadQueue
from shared.contract.checkins import PhotoStatus

log = logging.getLogger(__name__)
GHOST_SIZE = 1024


class GhostFinder:
    def __init__(self, queue: UploadQueue, api: ApiClient, folder: Path) -> None:
        self.queue = queue
        self.api = api
        self.folder = folder

    def for_views(self, view_ids: list[str], month: int) -> dict[str, Path]:
        """A ghost picture per view that has one from a month before `month`."""
        found = {view: path for view in view_ids if (path := self._local(view, month)) is not None}
        missing = [view for view in view_ids if view not in found]
        if missing:
            found.update(self._from_timeline(missing, month))
        return found

    def _local(self, view_id: str, month: int) -> Path | None:
        earlier = [
            p for p in self.queue.all()
            if p.view_id == view_id and p.checkin_month < month and p.state != PhotoState.FAILED and p.path.exists()
        ]
        if not earlier:
            return None
        latest = max(earlier, key=lambda p: (p.checkin_month, p.captured_at))
        return thumbnail(latest.path, self.folder, size=GHOST_SIZE)

    def _from_timeline(self, view_ids: list[str], month: int) -> dict[str, Path]:
        try:
            timeline = self.api.my_timeline()
        except ApiError as error:
            log.info("no ghost from the timeline: %s", error)
            return {}
        found: dict[str, Path] = {}
        for column in sorted(timeline.months, key=lambda m: m.month, reverse=True):
            if column.month >= month:
                continue
            for photo in column.photos:
                url = photo.preview_url or photo.thumbnail_url
                if photo.view in view_ids and photo.view not in found and photo.status == PhotoStatus.READY and url:
                    target = self.folder / f"ghost-{photo.id}.jpg"
                    if not target.exists():
                        try:
                            data = self.api.download(url)
                        except ApiError as error:
                            log.info("ghost download failed: %s", error)
                            continue
                        self.folder.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(data)
                    found[photo.view] = target
        return found
