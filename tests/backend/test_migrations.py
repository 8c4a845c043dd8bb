"""The migrations in backend/migrations build exactly the schema the models describe."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.context import get_current_context
from tortoise.migrations.autodetector import MigrationAutodetector

from backend.db import tortoise_config


async def test_models_and_migrations_agree(db):
    # what `make migrations` would write must be nothing: run it after changing a model
    apps = tortoise_config(db)["apps"]
    detector = MigrationAutodetector(get_current_context().apps, apps)
    pending = await detector.changes()
    assert [w.name for w in pending] == [], "models changed without a migration: run `make migrations NAME=...`"


async def test_migrated_database_has_every_model_table(db):
    conn = Tortoise.get_connection("default")
    for model in get_current_context().apps.get_models_iterable():
        await conn.execute_query(f'SELECT count(*) FROM "{model._meta.db_table}"')
