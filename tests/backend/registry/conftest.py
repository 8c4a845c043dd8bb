"""The registry's own database per test: a fresh SQLite file, or (with FOLLICLE_TEST_DATABASE_URL)
this worker's `<suite database>_network` on PostgreSQL, made once and emptied per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from backend.registry.app import create_registry_app
from backend.registry.settings import RegistrySettings
from tests.conftest import PG_URL, _recreate_postgres, running, worker_database_url


@pytest.fixture(scope="session")
def registry_postgres() -> str:
    """This worker's registry database on PostgreSQL, made afresh once ("" on SQLite runs)."""
    if not PG_URL:
        return ""
    url = worker_database_url(PG_URL) + "_network"
    asyncio.run(_recreate_postgres(url))
    return url


async def _empty(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        tables = [r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in ("registry_submission", "registry_clinic"):
            if table in tables:
                await conn.execute(f"DELETE FROM {table}")
    finally:
        await conn.close()


@pytest.fixture
async def registry_url(registry_postgres: str, tmp_path: Path) -> str:
    if registry_postgres:
        await _empty(registry_postgres)
        return registry_postgres
    return f"sqlite://{tmp_path / 'registry.sqlite3'}"


@pytest.fixture
def registry_app(registry_url: str):
    return create_registry_app(RegistrySettings(database_url=registry_url))


@pytest.fixture
async def registry(registry_app) -> AsyncIterator[httpx.AsyncClient]:
    async with running(registry_app):
        transport = httpx.ASGITransport(app=registry_app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.local") as client:
            yield client
