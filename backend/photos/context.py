"""What the photo services need from the running app: settings, the store, the job runtime."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from backend.settings import Settings
from backend.storage import ObjectStore, StoreHealth

# the processing job's task name (backend.photos.jobs registers it)
PROCESS_TASK = "photos.process"


@dataclass(frozen=True)
class PhotoContext:
    """What the photo services need from the running app."""

    settings: Settings
    store: ObjectStore
    jobs: Any = None  # backend.jobs.JobRuntime; None where nothing is enqueued
    health: StoreHealth | None = None  # whether the store answered lately (per process)

    async def ensure_store_reachable(self) -> None:
        if self.health is not None:
            await self.health.ensure_reachable()
        else:
            await self.store.check()

    def store_worked(self, worked: bool) -> None:
        if self.health is not None:
            self.health.worked() if worked else self.health.failed()

    async def enqueue_processing(self, photo_id: uuid.UUID) -> None:
        if self.jobs is not None:
            await self.jobs.enqueue(PROCESS_TASK, str(photo_id))

    async def resume_processing(self, photo_id: uuid.UUID) -> bool:
        """Queue an accepted photo's processing again if no job for it is alive here (the process
        that had it was killed); whether it was queued."""
        if self.jobs is None:
            return False
        return await self.jobs.enqueue_unless_live(PROCESS_TASK, str(photo_id))
