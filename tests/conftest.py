"""Test fixtures: a migrated database per test (SQLite by default, PostgreSQL when
FOLLICLE_TEST_DATABASE_URL is set), a fresh app per test, and a small world of two clinics."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import httpx

from backend.app import create_app
from backend.db import apply_migrations, close_database, is_postgres, open_database
from backend.settings import Settings

os.environ.setdefault("KIVY_NO_ARGS", "1")
PG_URL = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("FOLLICLE_TEST_REDIS_URL", "")


def pytest_report_header(config) -> list[str]:
    return [
        f"follicle database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (set FOLLICLE_TEST_DATABASE_URL for PostgreSQL)'}",
        f"follicle redis: {REDIS_URL or 'not set (Redis tests skip)'}",
    ]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """Apply the real migrations once: to a template SQLite file, or to the PostgreSQL test database."""
    if PG_URL:
        asyncio.run(_reset_postgres(PG_URL))
        asyncio.run(apply_migrations(PG_URL))
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    asyncio.run(apply_migrations(f"sqlite://{path}"))
    return str(path)


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def _truncate_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
        )
        if tables:
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> str:
    """A clean, fully migrated database for one test."""
    if is_postgres(migrated_template):
        await _truncate_postgres(migrated_template)
        return migrated_template
    target = tmp_path / "follicle.sqlite3"
    shutil.copyfile(migrated_template, target)
    return f"sqlite://{target}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-" + uuid.uuid4().hex,
        public_url="http://testserver.local",
        local_store_path=str(tmp_path / "objects"),
    )


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in the test's own event loop (so the ORM is shared)."""
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
            yield test_client


@asynccontextmanager
async def running(app) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own, so start and stop happen in one task
    (pytest-asyncio may finalise a fixture in another) and on the test's event loop."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # startup failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """The ORM connected without an app, for service-level tests."""
    await open_database(database_url)
    try:
        yield database_url
    finally:
        await close_database()
