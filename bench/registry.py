"""Registry benchmark on PostgreSQL: a network of 1,000 clinics, each with a current summary of
4 arms x 3 months (consensus and improved) plus harm and 3 lots, pooled into every figure of the
network (random-effects meta-analysis per arm and month, the lot signal), against reading the same
submissions alone (the one statement, no decoding, no statistics) in the same run. Target: pooling
under 1 s.

Run: `python bench/registry.py [--clinics 1000] [--database-url postgres://...] [--runs 3]`.
It drops and re-creates the schema of the database it is given (default:
follicle_bench_registry_main on 127.0.0.1, created when missing), so never point it at real data.
The summaries are written straight into the registry's table (the path measured is the read and
the pooling; submissions are checked one by one in tests/backend/registry).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import msgspec  # noqa: E402

from backend.registry import figures, migrations, network  # noqa: E402
from backend.registry.database import RegistryDatabase  # noqa: E402
from bench.servers import reset_postgres  # noqa: E402
from shared.contract.network import ArmSummary, EfficacyCell, HarmCell, LotSummary, NetworkSummary  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/follicle_bench_registry_main"
ARMS = {"exosomes": 1.1, "prp": 0.6, "microneedling": 0.3, "combination": 0.8}
MONTHS = (3, 6, 12)
TARGET_SECONDS = 1.0


def clinic_summary(rng: random.Random, clinic: str, period: str) -> NetworkSummary:
    arms, lots = [], []
    for arm, effect in ARMS.items():
        patients = rng.randint(20, 120)
        cells = []
        for month in MONTHS:
            n = max(10, patients - rng.randint(0, month * 2))
            mean = max(-3.0, min(3.0, rng.gauss(effect * month / 12 + 0.1, 0.25)))
            cells.append(EfficacyCell(
                month=month, patients=n, mean=round(mean, 6), sd=round(rng.uniform(0.6, 1.2), 6),
                improved=max(5, min(n - 5, int(n * (0.3 + mean / 3)))),
            ))
        sessions = patients * rng.randint(3, 5)
        moderate = rng.randint(1, sessions // 10)
        arms.append(ArmSummary(
            arm=arm, products=[f"{arm} product"], patients=patients, sessions=sessions, efficacy=cells,
            harm=HarmCell(patients=patients, sessions=sessions, any=moderate * 2, moderate_or_worse=moderate, serious=0),
        ))
    for lot in ("EXO-A", "EXO-B", "EXO-C"):
        sessions = rng.randint(40, 200)
        bad = 0.12 if lot == "EXO-B" else 0.04
        lots.append(LotSummary(
            treatment="exosomes", product="ExoCell", lot_number=lot, patients=max(5, sessions // 4), sessions=sessions,
            moderate_or_worse=sum(rng.random() < bad for _ in range(sessions)), serious=0,
        ))
    return NetworkSummary(clinic=clinic, period=period, sequence=1, issued_at=datetime.now(UTC), arms=arms, lots=lots)


async def seed(db: RegistryDatabase, clinics: int) -> None:
    rng = random.Random(20261207)
    now = datetime.now(UTC).isoformat()
    clinic_rows, submission_rows = [], []
    for i in range(clinics):
        clinic = str(uuid.UUID(int=i + 1))
        clinic_rows.append((clinic, f"Clinic {i + 1}", f"key-{i:040d}", now, 2))
        for period in ("2026-10", "2026-11"):  # the older period is read past: only the newest counts
            payload = msgspec.json.encode(clinic_summary(rng, clinic, period)).decode()
            submission_rows.append((clinic, period, 2 if period == "2026-11" else 1, "0" * 64, payload, now))
    async with db.transaction() as s:
        conn = s._conn  # noqa: SLF001 - bulk load through the driver's COPY
        await conn.copy_records_to_table(
            "registry_clinic", records=clinic_rows, columns=["id", "name", "public_key", "joined_at", "last_sequence"]
        )
        await conn.copy_records_to_table(
            "registry_submission", records=submission_rows,
            columns=["clinic_id", "period", "sequence", "digest", "payload", "received_at"],
        )
        await conn.execute("ANALYZE registry_clinic; ANALYZE registry_submission")


async def read_alone(db: RegistryDatabase) -> int:
    return len(await network.current_payloads(db))


async def pool(db: RegistryDatabase) -> figures.NetworkFigures:
    summaries = await network.current_summaries(db)
    return figures.pool_network(summaries)


async def timed(fn, db, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = await fn(db)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinics", type=int, default=1000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("the registry benchmark runs on PostgreSQL")
    await reset_postgres(args.database_url)
    db = RegistryDatabase(args.database_url)
    await db.open()
    try:
        await migrations.apply(db)
        start = time.perf_counter()
        await seed(db, args.clinics)
        print(f"seeded {args.clinics:,} clinics x {len(ARMS)} arms x {len(MONTHS)} months (two periods each) "
              f"in {time.perf_counter() - start:.1f} s")
        await pool(db)  # warm: the first statistics import and plan
        baseline, rows = await timed(read_alone, db, args.runs)
        pooled_seconds, result = await timed(pool, db, args.runs)
    finally:
        await db.close()
    pooled_figures = [f for f in result.figures if f.pooled]
    studies = sum(f.clinics for f in pooled_figures)
    print(f"read the current submissions alone: {rows:,} rows in {baseline * 1000:.0f} ms (median of {args.runs})")
    print(f"pooled: {len(pooled_figures)} random-effects figures over {studies:,} clinic results, "
          f"{len(result.lot_signals)} lot signals, {result.patients:,} patients in {pooled_seconds * 1000:.0f} ms")
    print(f"pooled / read alone: {pooled_seconds / baseline:.1f}x; target under {TARGET_SECONDS:.0f} s: "
          f"{'met' if pooled_seconds < TARGET_SECONDS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
