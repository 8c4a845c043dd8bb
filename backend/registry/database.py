"""The registry's own database: SQLite (aiosqlite) embedded, PostgreSQL (asyncpg) at scale.

The registry does not use Tortoise: Tortoise keeps one global context per process, and a test (or a
laptop running `make run`) serves a clinic app and the registry side by side in one process. So the
registry speaks to its driver through this small kit: `:name` parameters (backend.db.bind_named),
rows as dicts, a transaction per unit of work, and its own frozen migrations (migrations.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from backend.db import bind_named, is_postgres


class Session:
    """One connection for a unit of work."""

    def __init__(self, conn: Any, dialect: str) -> None:
        self._conn = conn
        self.dialect = dialect

    async def fetch(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        text, values = bind_named(sql, params, self.dialect)
        if self.dialect == "postgres":
            return [dict(r) for r in await self._conn.fetch(text, *values)]
        async with self._conn.execute(text, values) as cursor:
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row)) for row in await cursor.fetchall()]

    async def execute(self, sql: str, **params: Any) -> None:
        text, values = bind_named(sql, params, self.dialect)
        if self.dialect == "postgres":
            await self._conn.execute(text, *values)
        else:
            await self._conn.execute(text, values)

    async def script(self, sql: str) -> None:
        if self.dialect == "postgres":
            await self._conn.execute(sql)
        else:
            await self._conn.executescript(sql)


class RegistryDatabase:
    """Opened once in the registry app's lifespan (or a command), closed at its end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = "postgres" if is_postgres(url) else "sqlite"
        self._pool: Any = None
        self._sqlite: Any = None
        self._lock = asyncio.Lock()  # SQLite: one connection, one unit of work at a time

    async def open(self) -> None:
        if self.dialect == "postgres":
            import asyncpg

            dsn = self.url.split("?", 1)[0]
            for scheme in ("postgres+asyncpg://", "postgresql+asyncpg://", "postgres://"):
                if dsn.startswith(scheme):
                    dsn = "postgresql://" + dsn[len(scheme):]
            self._pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
        else:
            import aiosqlite

            path = self.url.removeprefix("sqlite://")
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            self._sqlite = await aiosqlite.connect(path, isolation_level=None)
            await self._sqlite.execute("PRAGMA foreign_keys = ON")
            await self._sqlite.execute("PRAGMA journal_mode = WAL")

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        if self._sqlite is not None:
            await self._sqlite.close()
            self._sqlite = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Session]:
        """A session whose statements commit together, or not at all."""
        if self.dialect == "postgres":
            async with self._pool.acquire() as conn, conn.transaction():
                yield Session(conn, "postgres")
            return
        async with self._lock:
            await self._sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield Session(self._sqlite, "sqlite")
            except BaseException:
                await self._sqlite.execute("ROLLBACK")
                raise
            await self._sqlite.execute("COMMIT")
