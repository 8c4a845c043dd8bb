"""The registry's schema, as frozen SQL statements applied in order (the same text on SQLite and
PostgreSQL); `follicle registry migrate` and the app's tests apply them. Never edit one: add the next."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.registry.database import RegistryDatabase

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "0001_network",
        [
            """CREATE TABLE registry_clinic (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                public_key TEXT NOT NULL UNIQUE,
                joined_at TEXT NOT NULL,
                left_at TEXT,
                last_sequence BIGINT NOT NULL DEFAULT 0
            )""",
            """CREATE TABLE registry_submission (
                clinic_id TEXT NOT NULL REFERENCES registry_clinic (id) ON DELETE CASCADE,
                period TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                digest TEXT NOT NULL,
                payload TEXT NOT NULL,
                received_at TEXT NOT NULL,
                PRIMARY KEY (clinic_id, period)
            )""",
            "CREATE INDEX registry_submission_latest ON registry_submission (clinic_id, period, sequence)",
        ],
    ),
]


async def apply(db: RegistryDatabase) -> list[str]:
    """Apply the migrations not yet applied; their names, in order."""
    async with db.transaction() as s:
        await s.execute("CREATE TABLE IF NOT EXISTS registry_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {r["name"] for r in await s.fetch("SELECT name FROM registry_migration")}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        async with db.transaction() as s:
            for statement in statements:
                await s.execute(statement)
            await s.execute(
                "INSERT INTO registry_migration (name, applied_at) VALUES (:name, :at)",
                name=name, at=datetime.now(UTC).isoformat(),
            )
        applied.append(name)
    return applied
