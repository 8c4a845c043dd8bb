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


async def test_the_outcome_facts_migration_replays_on_a_database_that_already_holds_patients(tmp_path):
    """0010 works out the facts of the patients already there with the SQL frozen in it, so it
    replays against the schema of its day however backend/outcomes changes later."""
    import uuid
    from datetime import date, datetime

    from tortoise.migrations.api import migrate

    from backend.db import bind_named
    from tests.conftest import PG_URL, _recreate_postgres, worker_database_url

    url = f"{worker_database_url(PG_URL)}_replay" if PG_URL else f"sqlite://{tmp_path / 'replay.sqlite3'}"
    if PG_URL:
        await _recreate_postgres(url)
    dialect = "postgres" if PG_URL else "sqlite"

    def value(v):  # asyncpg takes the Python values; SQLite stores ids and moments as text here
        return v if PG_URL or isinstance(v, (int, str)) else str(v)

    async def insert(sql: str, **params) -> None:
        await conn.execute_query(*bind_named(sql, {k: value(v) for k, v in params.items()}, dialect))

    await migrate(config=tortoise_config(url), target="models.0009_audit_reads")
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url))
    conn = Tortoise.get_connection("default")
    clinic, patient, now = uuid.uuid4(), uuid.uuid4(), datetime.fromisoformat("2026-06-01 10:00:00+00:00")
    try:
        await insert(
            "INSERT INTO clinic (id, name, timezone, protocol_views, injection_reminder_hours, created_at, "
            "share_consensus_with_patients) VALUES (:id, 'Replay', 'UTC', '[]', '[]', :now, FALSE)",
            id=clinic, now=now,
        )
        await insert(
            "INSERT INTO patient (id, display_name, record_number, treatment, planned_sessions, interval_days, "
            "baseline_date, timezone, check_in_time, quiet_hours_start, quiet_hours_end, push_enabled, consent_care, "
            "consent_research, created_at, updated_at, clinic_id, sex) VALUES (:id, 'P', 'R-1', 'prp', 3, 30, "
            ":baseline, 'UTC', '09:00', '21:00', '08:00', TRUE, TRUE, TRUE, :now, :now, :clinic, 'female')",
            id=patient, baseline=date(2026, 1, 5), now=now, clinic=clinic,
        )
        for month in (2, 3):
            await insert(
                "INSERT INTO injection_session (id, status, scheduled_at, performed_at, treatment, product, lot_number, "
                "areas, notes, created_at, updated_at, clinic_id, patient_id) VALUES (:id, 'done', :at, :at, 'prp', "
                "'Kit', 'LOT-9', '[]', '', :at, :at, :clinic, :patient)",
                id=uuid.uuid4(), at=datetime(2026, month, 1, 10, tzinfo=now.tzinfo), clinic=clinic, patient=patient,
            )
    finally:
        await Tortoise.close_connections()
    await migrate(config=tortoise_config(url))
    await Tortoise.close_connections()
    await Tortoise.init(config=tortoise_config(url))
    try:
        conn = Tortoise.get_connection("default")
        facts = await conn.execute_query_dict("SELECT sessions, dose6 FROM outcome_patient")
        lots = await conn.execute_query_dict("SELECT lot_number, sessions FROM outcome_lot")
    finally:
        await Tortoise.close_connections()
    assert [(f["sessions"], f["dose6"]) for f in facts] == [(2, 2)]
    assert [(lot["lot_number"], lot["sessions"]) for lot in lots] == [("LOT-9", 2)]
