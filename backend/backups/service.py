"""Backup and restore of a Follicle installation: its database and its object store together.

`backup(settings, folder)`: the database first (a consistent snapshot), then every object of
the store, each hashed as it is written; the manifest last, and then the folder is checked
against the manifest from the disk. Objects that appear after the snapshot are copied too (the
photo sweep removes the strays after a restore); an object deleted while the backup runs is
simply not in it.

`restore(settings, folder)`: the folder is checked whole first (nothing is written from a
damaged or partial backup); then the database is put in place, every object written to the
store, and both read back: the rows per table and every object's size and sha256 against the
manifest. `follicle restore` then applies this version's migrations (a backup of an older one).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from backend.backups import database
from backend.backups.manifest import (
    OBJECTS,
    BackupRefused,
    Entry,
    Manifest,
    check_folder,
    file_digest,
    object_path,
    write_manifest,
)
from backend.settings import Settings
from backend.storage import ObjectStore

log = logging.getLogger(__name__)

# the largest object a store holds (photos are capped lower; ZIP exports can be larger)
_MAX_OBJECT_BYTES = 4 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    tables: int
    rows: int
    objects: int
    object_bytes: int


async def backup(settings: Settings, folder: Path, *, store: ObjectStore) -> BackupReport:
    """Copy the database and every object into `folder` (new or empty), write the manifest, and
    check the folder against it; BackupRefused if anything does not match."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupRefused([f"{folder} is not empty: back up into a new folder"])
    (folder / OBJECTS).mkdir(parents=True, exist_ok=True)
    url = settings.database_url
    kind = database.kind_of(url)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    if kind == "sqlite":
        db_file = folder / database.SQLITE_FILE
        await asyncio.to_thread(database.copy_sqlite, database.sqlite_path(url), db_file)
        rows, migrations = await asyncio.to_thread(database.sqlite_rows, db_file)
    else:
        db_file = folder / database.POSTGRES_FILE
        rows, migrations = await database.copy_postgres(url, db_file)
    size, sha256 = await asyncio.to_thread(file_digest, db_file)
    manifest = Manifest(
        created_at=created_at, database_kind=kind, database=Entry(db_file.name, size, sha256), rows=rows,
        migrations=migrations,
    )
    async for info in store.list(""):
        stored = await store.read(info.key, max_bytes=_MAX_OBJECT_BYTES)
        if stored is None:
            continue  # deleted since it was listed
        relative = object_path(info.key)
        digest = await asyncio.to_thread(_write_file, folder / relative, stored.data)
        manifest.objects[info.key] = Entry(relative, len(stored.data), digest)
    write_manifest(folder, manifest)
    await asyncio.to_thread(check_folder, folder)  # what is on the disk, read back
    return BackupReport(folder, len(rows), sum(rows.values()), len(manifest.objects),
                        sum(e.size for e in manifest.objects.values()))


def _write_file(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return hashlib.sha256(data).hexdigest()


async def verify(folder: Path) -> Manifest:
    """The backup's manifest once every file checks out; BackupRefused naming each problem."""
    return await asyncio.to_thread(check_folder, Path(folder))


async def restore(settings: Settings, folder: Path, *, store: ObjectStore, force: bool = False) -> BackupReport:
    """Put a checked backup back: the database (into an empty one unless `force`), every object,
    then read both back against the manifest."""
    folder = Path(folder)
    manifest = await verify(folder)
    url = settings.database_url
    kind = database.kind_of(url)
    if manifest.database_kind != kind:
        raise BackupRefused([f"this backup holds a {manifest.database_kind} database; the settings name a {kind} one"])
    if not force:
        async for info in store.list(""):
            raise BackupRefused([f"the object store is not empty ({info.key}, ...): restore into a fresh one"])
    copy = folder / manifest.database.path
    if kind == "sqlite":
        await asyncio.to_thread(database.restore_sqlite, copy, database.sqlite_path(url), force=force)
        rows, _ = await asyncio.to_thread(database.sqlite_rows, database.sqlite_path(url))
    else:
        await database.restore_postgres(copy, url, force=force)
        rows, _ = await database.postgres_rows(url)
    problems = [
        f"table {table}: {rows.get(table)} rows after the restore, the backup has {count}"
        for table, count in manifest.rows.items() if rows.get(table) != count
    ]
    for key, entry in manifest.objects.items():
        data = await asyncio.to_thread((folder / entry.path).read_bytes)
        await store.write(key, data, content_type=mimetypes.guess_type(key)[0] or "application/octet-stream")
        back = await store.read(key, max_bytes=_MAX_OBJECT_BYTES)
        if back is None or len(back.data) != entry.size or hashlib.sha256(back.data).hexdigest() != entry.sha256:
            problems.append(f"{key}: the store does not give back what was written")
    if problems:
        raise BackupRefused(problems)
    return BackupReport(folder, len(rows), sum(rows.values()), len(manifest.objects),
                        sum(e.size for e in manifest.objects.values()))


# --- scheduled backups (the embedded default) ---------------------------------------------

PREFIX = "follicle-backup-"


def finished_backups(root: Path) -> list[Path]:
    """The complete backups under `root`, oldest first (named by their time)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX) and (p / "manifest.sha256").is_file())


async def scheduled_backup(settings: Settings, *, store: ObjectStore, now: datetime | None = None) -> Path | None:
    """A new backup under `backup_dir` when the newest is older than `backup_every_hours`, then only
    the newest `backup_keep` kept; the new folder, or None when none was due."""
    now = now or datetime.now(UTC)
    root = Path(settings.backup_dir)
    done = finished_backups(root)
    if done:
        newest = datetime.strptime(done[-1].name.removeprefix(PREFIX), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if (now - newest).total_seconds() < settings.backup_every_hours * 3600 - 60:
            return None
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{PREFIX}{now:%Y%m%dT%H%M%SZ}"
    # made beside its final name and renamed when whole, so a half-made backup never counts
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
    try:
        await backup(settings, partial / "backup", store=store)
        os.replace(partial / "backup", target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    for old in finished_backups(root)[: -settings.backup_keep]:
        shutil.rmtree(old, ignore_errors=True)
    log.info("backup written to %s", target)
    return target
