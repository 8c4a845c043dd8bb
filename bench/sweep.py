"""Reminder sweep benchmark on PostgreSQL: 100,000 enrolled patients, their outbox planned, then one
delivery sweep at a busy evening minute, against a plain `SELECT count(*)` over the same tables.

Both passes must be set-based: a fixed number of queries per batch, never one per patient. The
script prints the time and the SQL statement count of each, and the count(*) times beside them.

Run: `python bench/sweep.py [--patients 100000] [--database-url postgres://...]`; `--tiny` seeds 200
patients, to check that it still runs. It drops and
re-creates the schema of the database it is given (default: follicle_bench_reminders on
127.0.0.1, created when missing), so never point it at real data.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.app import connect  # noqa: E402
from backend.db import QueryCounter, apply_migrations, close_database, connection  # noqa: E402
from backend.push import OutboxOnlyProvider, PushPlatform  # noqa: E402
from backend.reminders.delivery import DeliveryPolicy, count_due, deliver_due  # noqa: E402
from backend.reminders.planning import extend_horizon  # noqa: E402
from bench.servers import reset_postgres  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/follicle_bench_reminders"
# the sweep runs just after 18:00 UTC, when the check-in reminders of patients in UTC and London fall
# due; the planning pass a minute before, so nothing older is waiting
SWEEP_AT = datetime(2026, 3, 4, 18, 0, 30, tzinfo=UTC)
PLANNED_AT = SWEEP_AT - timedelta(minutes=1)
ZONES = ["Europe/London", "UTC", "Europe/Berlin", "America/New_York", "Asia/Dubai", "Australia/Sydney"]


async def reset(url: str) -> None:
    await reset_postgres(url)
    await apply_migrations(url)


async def seed(patients: int) -> None:
    """One clinic; `patients` enrolled patients with baselines spread over the past year and six
    timezones; four in ten with an injection session booked in the next six weeks."""
    conn = connection()
    zones = "ARRAY[" + ",".join(f"'{z}'" for z in ZONES) + "]"
    await conn.execute_script(
        f"""
        INSERT INTO clinic (id, name, timezone, protocol_views, injection_reminder_hours, share_consensus_with_patients,
            created_at)
        VALUES ('00000000-0000-0000-0000-00000000c11c', 'Bench Clinic', 'UTC', '[]', '[72, 24, 2]', false, now());
        INSERT INTO patient (id, clinic_id, display_name, record_number, treatment, planned_sessions,
            interval_days, baseline_date, timezone, check_in_time, quiet_hours_start, quiet_hours_end,
            push_enabled, consent_care, consent_research, sex, enrolled_at, created_at, updated_at)
        SELECT gen_random_uuid(), '00000000-0000-0000-0000-00000000c11c', 'Patient ' || n, 'B-' || n,
            'exosomes', 6, 30, DATE '2026-03-04' - (n % 365), ({zones})[1 + n % 6], '18:00', '21:00', '08:00',
            true, true, false, 'unknown', now(), now(), now()
        FROM generate_series(1, {patients}) AS n;
        INSERT INTO injection_session (id, patient_id, clinic_id, status, scheduled_at, treatment, product,
            lot_number, areas, notes, created_at, updated_at)
        SELECT gen_random_uuid(), p.id, p.clinic_id, 'scheduled',
            TIMESTAMPTZ '2026-03-05 10:00:00+00' + ((row_number() OVER (ORDER BY p.id)) % 42) * INTERVAL '1 day',
            'exosomes', 'ExoCell', 'LOT-1', '[]', '', now(), now()
        FROM patient p WHERE p.record_number ~ '[0369]$';
        ANALYZE;
        """
    )


async def timed(work) -> tuple[float, object, int]:
    with QueryCounter() as queries:
        started = time.perf_counter()
        result = await work()
        elapsed = time.perf_counter() - started
    return elapsed, result, queries.count


async def count_star(table: str) -> tuple[float, int]:
    conn = connection()
    started = time.perf_counter()
    rows = await conn.execute_query_dict(f'SELECT count(*) AS n FROM "{table}"')
    return time.perf_counter() - started, rows[0]["n"]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--batch-size", type=int, default=DeliveryPolicy().batch_size, help="reminders per claim")
    parser.add_argument("--tiny", action="store_true", help="200 patients, to check it runs")
    args = parser.parse_args()
    if args.tiny:
        args.patients = 200

    print(f"seeding {args.patients:,} patients into {args.database_url} ...", flush=True)
    await reset(args.database_url)
    await connect(args.database_url)
    try:
        await seed(args.patients)
        count_patients, patients = await count_star("patient")

        plan_time, plan, plan_queries = await timed(lambda: extend_horizon(PLANNED_AT, batch_size=1000))
        await connection().execute_script("ANALYZE reminder;")
        count_reminders, reminders = await count_star("reminder")
        print(
            f"planning pass: {plan.patients:,} patients, {plan.inserted:,} reminders written in {plan_time:.1f} s, "
            f"{plan_queries} SQL statements ({plan.batches} batches of 1,000 patients; the inserts go 500 rows "
            f"a statement)\n  SELECT count(*) FROM patient ({patients:,} rows): {count_patients * 1000:.1f} ms",
            flush=True,
        )

        find_time, due, find_queries = await timed(lambda: count_due(SWEEP_AT))
        outbox = OutboxOnlyProvider()
        providers = {PushPlatform.ANDROID: outbox, PushPlatform.IOS: outbox}
        policy = DeliveryPolicy(batch_size=args.batch_size)
        sweep_time, sweep, sweep_queries = await timed(
            lambda: deliver_due(providers, clock=lambda: SWEEP_AT, policy=policy, worker="bench")
        )
        per_batch = (sweep_queries - 1) / max(1, sweep.batches)
        print(
            f"delivery sweep at {SWEEP_AT:%Y-%m-%d %H:%M} UTC over {reminders:,} outbox rows: "
            f"{sweep.claimed:,} due reminders delivered in {sweep_time * 1000:.0f} ms, {sweep_queries} SQL "
            f"statements ({sweep.batches} batches of {args.batch_size}, {per_batch:.0f} statements a batch + 1 empty claim)\n"
            f"  finding them (indexed count of due rows): {find_time * 1000:.1f} ms, {find_queries} statement, {due:,} due\n"
            f"  SELECT count(*) FROM reminder ({reminders:,} rows): {count_reminders * 1000:.1f} ms\n"
            f"  sweep / count(*): {sweep_time / count_reminders:.1f}x; find / count(*): {find_time / count_reminders:.2f}x"
        )
    finally:
        await close_database()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
