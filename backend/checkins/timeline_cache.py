"""Built timelines kept per process, as the JSON they were sent as, for the patients read lately.

An entry answers again only while its key still holds: the patient's timeline version (bumped by
every change the timeline shows), baseline, timezone and clinic protocol, the local date (the
months run to today) and the minute its links were signed in (so links are never older than a
minute and expire as configured). Least recently used entries go first past `entries`.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CachedTimeline:
    key: tuple
    body: bytes  # the Timeline as JSON
    shown: list[str]  # ids of the ready photos it shows (for the staff audit event)


class TimelineCache:
    def __init__(self, entries: int) -> None:
        self.entries = max(0, entries)
        self._held: OrderedDict[tuple[uuid.UUID, str], CachedTimeline] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, patient_id: uuid.UUID, viewer: str) -> CachedTimeline | None:
        with self._lock:
            held = self._held.get((patient_id, viewer))
            if held is not None:
                self._held.move_to_end((patient_id, viewer))
            return held

    def put(self, patient_id: uuid.UUID, viewer: str, timeline: CachedTimeline) -> None:
        if self.entries == 0:
            return
        with self._lock:
            self._held[(patient_id, viewer)] = timeline
            self._held.move_to_end((patient_id, viewer))
            while len(self._held) > self.entries:
                self._held.popitem(last=False)
