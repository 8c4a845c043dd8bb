"""Test fixtures: a migrated database per test (SQLite by default, PostgreSQL when
FOLLICLE_TEST_DATABASE_URL is set), a fresh app per test, and a small world of two clinics."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import httpx
import time_machine

from backend.app import create_app
from backend.app import connect
from backend.db import apply_migrations, close_database, is_postgres
from backend.security.passwords import PRODUCTION_COST, HashCost, use_cost
from backend.settings import Settings

os.environ.setdefault("KIVY_NO_ARGS", "1")
PG_URL = os.environ.get("FOLLICLE_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("FOLLICLE_TEST_REDIS_URL", "")

# argon2 at its smallest cost: the suite makes thousands of staff accounts and sign-ins, each ~0.2 s
# at production's cost (tests/backend/test_auth.py holds the app to production's cost by default)
TEST_PASSWORD_COST = HashCost(time_cost=1, memory_kib=8, parallelism=1)
FAST_PASSWORDS = {
    "password_hash_time_cost": TEST_PASSWORD_COST.time_cost,
    "password_hash_memory_kib": TEST_PASSWORD_COST.memory_kib,
    "password_hash_parallelism": TEST_PASSWORD_COST.parallelism,
}
# the commands a test starts (the CLI, benchmarks at tiny size) read the same cost from the environment
os.environ.update({f"FOLLICLE_{name.upper()}": str(value) for name, value in FAST_PASSWORDS.items()})
assert TEST_PASSWORD_COST != PRODUCTION_COST


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--today", default="",
        help="run every test as if today were this date (YYYY-MM-DD, 10:00 UTC, the clock ticking): "
        "the date sweep (make test-dates) proves the suite passes on any day",
    )


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "today(date): the test depends on the calendar; it runs at this date (YYYY-MM-DD) "
        "unless --today moves the whole run",
    )
    day = config.getoption("--today")
    if day:  # the whole process, session fixtures and threads included, lives on that day
        config._follicle_travel = time_machine.travel(_morning_of(day), tick=True)
        config._follicle_travel.start()


def pytest_unconfigure(config) -> None:
    travel = getattr(config, "_follicle_travel", None)
    if travel is not None:
        travel.stop()


def _morning_of(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10, 0), tzinfo=UTC)


@pytest.fixture(autouse=True)
def _calendar(request) -> Iterator[None]:
    """A test marked `today("2026-06-15")` runs on that date, clock ticking (autouse: before any
    other fixture of the test reads the clock); under --today the whole run has moved already."""
    marker = request.node.get_closest_marker("today")
    if marker is None or request.config.getoption("--today"):
        yield
        return
    with time_machine.travel(_morning_of(marker.args[0]), tick=True):
        yield


@pytest.fixture(autouse=True)
def _cheap_password_hashing() -> None:
    """Each test starts at the test cost, whatever app an earlier test of this worker built."""
    use_cost(TEST_PASSWORD_COST)


def pytest_report_header(config) -> list[str]:
    return [
        f"follicle database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (set FOLLICLE_TEST_DATABASE_URL for PostgreSQL)'}",
        f"follicle redis: {REDIS_URL or 'not set (Redis tests skip)'}",
    ]


def worker_database_url(base_url: str) -> str:
    """This xdist worker's own PostgreSQL database, named after the suite's (`follicle_test_gw0`);
    the suite's own name when it runs in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"{base_url}_{worker}" if worker else base_url


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """Apply the real migrations once per worker: to a template SQLite file, or to this worker's own
    PostgreSQL database (made afresh, so two workers never share a table)."""
    if PG_URL:
        url = worker_database_url(PG_URL)
        asyncio.run(_recreate_postgres(url))
        asyncio.run(apply_migrations(url))
        return url
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    asyncio.run(apply_migrations(f"sqlite://{path}"))
    return str(path)


async def _recreate_postgres(url: str) -> None:
    """`url`'s database dropped and made again, empty (through the server's maintenance database)."""
    import asyncpg

    server, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(server.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


_TRUNCATE_SQL: dict[str, str] = {}


async def _truncate_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        if url not in _TRUNCATE_SQL:  # the tables are those of the migrations: read them once
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
            )
            names = ", ".join(f'"{t["tablename"]}"' for t in tables)
            _TRUNCATE_SQL[url] = f"TRUNCATE {names} RESTART IDENTITY CASCADE" if names else ""
        if _TRUNCATE_SQL[url]:
            await conn.execute(_TRUNCATE_SQL[url])
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
        **FAST_PASSWORDS,
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
    await connect(database_url)
    try:
        yield database_url
    finally:
        await close_database()
