"""A consistent online copy of the database, and its restore into an empty one.

SQLite: the backup API (`sqlite3.Connection.backup`) copies pages under the database's own
locking, so a copy taken while the API writes is a snapshot, never a torn file (a file copy of a
live database can be). PostgreSQL: `pg_dump --format=custom` on a snapshot exported by a
repeatable-read transaction, in which the rows are also counted, so the counts in the manifest
are those of the dump; restored with `pg_restore` into an empty database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

from backend.backups.manifest import BackupRefused

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
_MIGRATIONS_TABLE = "tortoise_migrations"


def kind_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite://") else "postgresql"


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite://"))


def _dsn(url: str) -> str:
    for scheme in ("postgres://", "postgresql+asyncpg://", "postgres+asyncpg://"):
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme):]
    return url


# --- SQLite -------------------------------------------------------------------------------


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    return [name for (name,) in rows]


def sqlite_rows(path: Path) -> tuple[dict[str, int], list[str]]:
    """Rows per table and the migrations applied, read from a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = _sqlite_tables(conn)
        rows = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations = []
        if _MIGRATIONS_TABLE in tables:
            migrations = [name for (name,) in conn.execute(f'SELECT name FROM "{_MIGRATIONS_TABLE}" ORDER BY id')]
        return rows, migrations
    finally:
        conn.close()


def copy_sqlite(source: Path, target: Path) -> None:
    """An online, consistent copy of a live SQLite database (its backup API)."""
    if not source.is_file():
        raise BackupRefused([f"{source}: no such database file"])
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def restore_sqlite(copy: Path, target: Path, *, force: bool) -> None:
    """The backup's database file put in place at `target` (refused when one with tables is there)."""
    if target.exists() and target.stat().st_size > 0 and not force:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            has_tables = bool(_sqlite_tables(conn))
        finally:
            conn.close()
        if has_tables:
            raise BackupRefused([f"{target} already holds a database: restore into a fresh data folder (or --force)"])
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".restoring")
    shutil.copyfile(copy, temporary)
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)  # journal files of another database must not be replayed into this one
    os.replace(temporary, target)


# --- PostgreSQL ---------------------------------------------------------------------------


_PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"


async def _pg_rows(conn) -> tuple[dict[str, int], list[str]]:
    tables = [row["tablename"] for row in await conn.fetch(_PG_TABLES)]
    rows = {t: await conn.fetchval(f'SELECT COUNT(*) FROM "{t}"') for t in tables}
    migrations = []
    if _MIGRATIONS_TABLE in tables:
        migrations = [r["name"] for r in await conn.fetch(f'SELECT name FROM "{_MIGRATIONS_TABLE}" ORDER BY id')]
    return rows, migrations


async def postgres_rows(url: str) -> tuple[dict[str, int], list[str]]:
    import asyncpg

    conn = await asyncpg.connect(_dsn(url))
    try:
        return await _pg_rows(conn)
    finally:
        await conn.close()


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise BackupRefused([f"{tool} is not installed (PostgreSQL's client tools: apt-get install postgresql-client)"])
    return found


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise BackupRefused([f"{Path(command[0]).name} failed: {err.decode(errors='replace').strip()}"])


async def copy_postgres(url: str, target: Path) -> tuple[dict[str, int], list[str]]:
    """pg_dump of one snapshot, and the rows per table of that same snapshot."""
    import asyncpg

    pg_dump = _need("pg_dump")
    conn = await asyncpg.connect(_dsn(url))
    try:
        transaction = conn.transaction(isolation="repeatable_read", readonly=True)
        await transaction.start()
        try:
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counted = await _pg_rows(conn)
            await _run(pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                       "--file", str(target), _dsn(url))
        finally:
            await transaction.rollback()
    finally:
        await conn.close()
    return counted


async def restore_postgres(copy: Path, url: str, *, force: bool) -> None:
    """The dump restored into `url`'s database, which must hold no tables (unless `force`)."""
    pg_restore = _need("pg_restore")
    rows, _ = await postgres_rows(url)
    if rows and not force:
        raise BackupRefused(["the target PostgreSQL database already has tables: restore into a new, empty database"])
    command = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if force:
        command.append("--clean")
    await _run(*command, "--dbname", _dsn(url), str(copy))
