"""The patient's own progress, per view: the first usable photo beside the latest one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.contract.checkins import PhotoStatus, Timeline
from shared.schedule import checkin_label
from shared.views import VIEWS

HONEST_NOTE = (
    "What to expect: a change in hair density of less than about 20% is hard to see by eye, "
    "so the first months often look unchanged even when the treatment is working. "
    "Your clinic compares the photos carefully, side by side and at full size."
)


@dataclass(frozen=True)
class ProgressPhoto:
    photo_id: str
    month: int
    due_on: date
    url: str

    @property
    def caption(self) -> str:
        when = f"{self.due_on.day} {self.due_on:%b %Y}"
        return f"{checkin_label(self.month)}, {when}"


@dataclass(frozen=True)
class ViewProgress:
    view_id: str
    label: str
    first: ProgressPhoto | None
    latest: ProgressPhoto | None  # None when there is only one photo so far


def pair_views(timeline: Timeline) -> list[ViewProgress]:
    """For every view of the timeline: its first ready photo and, if later, its latest ready photo."""
    rows: list[ViewProgress] = []
    for view in timeline.views:
        ready = [
            ProgressPhoto(str(photo.id), column.month, column.due_on, photo.thumbnail_url or photo.preview_url or "")
            for column in sorted(timeline.months, key=lambda m: m.month)
            for photo in column.photos
            if photo.view == view.id and photo.status == PhotoStatus.READY and (photo.thumbnail_url or photo.preview_url)
        ]
        label = VIEWS[view.id].label if view.id in VIEWS else view.label
        first = ready[0] if ready else None
        latest = ready[-1] if len(ready) > 1 else None
        rows.append(ViewProgress(view.id, label, first, latest))
    return rows
