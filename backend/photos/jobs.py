"""The photo feature's tasks on a process's job runtime: processing each uploaded photo, and the sweep."""

from __future__ import annotations

import uuid

from backend.jobs import JobRuntime
from backend.photos import reconciler
from backend.photos.budget import DecodeBudget
from backend.photos.context import PROCESS_TASK
from backend.photos.models import Photo
from backend.photos.processing import process
from shared.contract.checkins import PhotoStatus


def register_jobs(runtime: JobRuntime) -> None:
    """The photo feature's tasks and periodic sweep, on this process's job runtime."""
    store, settings = runtime.store, runtime.settings
    budget = DecodeBudget(settings.decode_budget_pixels, threads=settings.decode_threads)
    runtime.resources["decode_budget"] = budget

    async def process_photo_task(photo_id: str) -> str | None:
        status = await process(uuid.UUID(photo_id), store=store, settings=settings, budget=budget)
        return status.value if status else None

    runtime.register(process_photo_task, PROCESS_TASK)

    async def resume_accepted() -> None:
        """Jobs in this process: photos accepted but not processed had their job in the memory of
        a process that stopped; queue them again now rather than at the next sweep."""
        for photo_id in await Photo.filter(status=PhotoStatus.UPLOADED).values_list("id", flat=True):
            await runtime.enqueue_unless_live(PROCESS_TASK, str(photo_id))

    runtime.at_start(resume_accepted)

    async def sweep() -> None:
        await reconciler.sweep(store=store, settings=settings, jobs=runtime)

    runtime.every(settings.photo_sweep_seconds, sweep)
