"""Records jobs on the job runtime (backend/jobs): building a patient's ZIP, the periodic sweep of
kept ZIPs, and sending due alert emails; in whichever process runs jobs."""

from __future__ import annotations

import logging
import uuid

from backend.jobs import JobRuntime
from backend.records import exports

log = logging.getLogger(__name__)


def register_jobs(runtime: JobRuntime) -> None:
    store, settings = runtime.store, runtime.settings

    async def build_export(export_id: str) -> str | None:
        state = await exports.build(uuid.UUID(export_id), store=store, settings=settings)
        return state.value if state else None

    async def sweep_exports() -> None:
        report = await exports.sweep(store=store, settings=settings)
        if any(report.values()):
            log.info("data exports swept: %s", report)

    runtime.register(build_export, exports.BUILD_TASK)
    runtime.every(settings.records_sweep_seconds, sweep_exports)
