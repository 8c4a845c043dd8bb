"""Tortoise ORM configuration and lifecycle: one app, every feature's models, real migrations."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from tortoise import Tortoise

# Every module holding models; a feature adds its own here.
MODEL_MODULES = [
    "backend.clinics.models",
    "backend.auth.models",
    "backend.patients.models",
    "backend.enrolment.models",
    "backend.injections.models",
    "backend.audit.models",
    "backend.reports.models",
    "backend.reminders.models",
    "backend.checkins.models",
    "backend.records.models",
    "backend.exports.models",
    "backend.ratings.models",
    "backend.photos.models",
    "backend.outcomes.models",
    "backend.staff.models",
    "backend.marketing.models",
    "backend.network.models",
    "backend.longterm.models",
]
MIGRATIONS_MODULE = "backend.migrations"


def tortoise_config(database_url: str, *, pool_size: int | None = None) -> dict[str, Any]:
    """The Tortoise config dict for a database URL (sqlite://path or postgres://...); `pool_size`
    is the most PostgreSQL connections this process opens (unless the URL says `maxsize`)."""
    _ensure_sqlite_folder(database_url)
    url = _normalise_url(database_url)
    if pool_size and url.startswith("postgres://") and "maxsize=" not in url:
        url += ("&" if "?" in url else "?") + f"maxsize={pool_size}"
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _normalise_url(url: str) -> str:
    # asyncpg is the PostgreSQL driver; accept the common spellings of the scheme
    for scheme in ("postgresql+asyncpg://", "postgresql://", "postgres+asyncpg://"):
        if url.startswith(scheme):
            return "postgres://" + url[len(scheme) :]
    return url


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def is_postgres(url: str) -> bool:
    return _normalise_url(url).startswith("postgres://")


async def open_database(database_url: str, *, pool_size: int | None = None) -> None:
    """Connect the ORM for this process; the context is global so every task sees it."""
    await Tortoise.init(config=tortoise_config(database_url, pool_size=pool_size), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


async def apply_migrations(database_url: str) -> list[str]:
    """Bring the database schema up to date with the migrations in backend/migrations;
    the names of those applied now, in order (none when it was up to date)."""
    from tortoise.migrations.api import migrate

    applied: list[str] = []

    def progress(event: str, _app: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)

    try:
        await migrate(config=tortoise_config(database_url), progress=progress)
    finally:
        await Tortoise.close_connections()
    return applied


def connection():
    """The default database connection (for the rare raw, set-based query)."""
    return Tortoise.get_connection("default")


_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)")


def bind_named(sql: str, params: dict[str, Any], dialect: str) -> tuple[str, list[Any]]:
    """Turn `:name` parameters into the driver's placeholders (`$n` on PostgreSQL, each name once;
    `?` on SQLite, each use its own) and the value list, for hand-written set-based SQL."""
    values: list[Any] = []
    numbers: dict[str, int] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1)
        if dialect == "postgres":
            if name not in numbers:
                values.append(params[name])
                numbers[name] = len(values)
            return f"${numbers[name]}"
        values.append(params[name])
        return "?"

    return _NAMED.sub(placeholder, sql), values


class QueryCounter(logging.Handler):
    """Counts the SQL statements the ORM sends while active (`with QueryCounter() as q: ...; q.count`).
    For tests and benchmarks that promise set-based work: no query per patient."""

    _STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self._saved: tuple[int, bool] | None = None

    @property
    def count(self) -> int:
        return len(self.statements)

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.lstrip().upper().startswith(self._STATEMENTS):
            self.statements.append(text.strip())

    def __enter__(self) -> QueryCounter:
        logger = logging.getLogger("tortoise.db_client")
        self._saved = (logger.level, logger.propagate)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger("tortoise.db_client")
        logger.removeHandler(self)
        if self._saved is not None:
            logger.setLevel(self._saved[0])
            logger.propagate = self._saved[1]
