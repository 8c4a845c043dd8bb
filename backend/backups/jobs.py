"""The scheduled backup of the embedded default: checked every ten minutes in the API process."""

from __future__ import annotations

from backend.backups.service import scheduled_backup
from backend.jobs import JobRuntime

CHECK_SECONDS = 600


def register_jobs(runtime: JobRuntime) -> None:
    """With FOLLICLE_BACKUP_EVERY_HOURS set and jobs inside the API (one process owns the data
    folder), a backup is made when the newest is that old; PostgreSQL + S3 installations back up
    with their own tools (docs/operations.md)."""
    settings = runtime.settings
    if settings.backup_every_hours <= 0 or not runtime.in_process:
        return

    async def backup_round() -> None:
        await scheduled_backup(settings, store=runtime.store)

    runtime.every(CHECK_SECONDS, backup_round)
