"""Outcomes benchmark on PostgreSQL: one clinic with 100,000 patients, 1,000,000 consensus ratings
(rating_consensus rows, as the ratings feature stores them), 300,000 injection sessions, 600,000
check-ins, side-effect reports and self-assessments; the whole clinic's outcomes (every figure of
the outcomes page: five set-based statements and the statistics over their aggregates) against a
`SELECT count(*)` over the ratings in the same run.

Run: `python bench/outcomes.py [--patients 100000] [--database-url postgres://...] [--runs 3] [--reuse]`.
It drops and re-creates the schema of the database it is given (default:
follicle_bench_outcomes_main on 127.0.0.1, created when missing), so never point it at real data.
Data is bulk-loaded with INSERT ... SELECT over generate_series. `--reuse` keeps a database an
earlier run seeded with the same number of patients (and the newest migrations applied) and only
measures; without it, or when the database holds something else, it seeds afresh.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from backend.app import connect  # noqa: E402
from backend.db import QueryCounter, apply_migrations, close_database, connection  # noqa: E402
from backend.outcomes import facts, filters, queries, service  # noqa: E402
from bench.servers import reset_postgres  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/follicle_bench_outcomes_main"
CLINIC = "00000000-0000-0000-0000-0000000c0c0c"
OLD_ROUND = "00000000-0000-0000-0000-0000000a0001"
NEW_ROUND = "00000000-0000-0000-0000-0000000a0002"
TODAY = date(2026, 11, 25)


async def reset(url: str) -> None:
    await reset_postgres(url)
    await apply_migrations(url)


def seed_sql(patients: int) -> str:
    """Ten consensus rows and three sessions per patient: 1,000,000 and 300,000 at 100,000 patients."""
    return f"""
INSERT INTO patient (id, clinic_id, display_name, record_number, treatment, planned_sessions, interval_days,
    baseline_date, timezone, check_in_time, quiet_hours_start, quiet_hours_end, push_enabled, consent_care,
    consent_research, sex, birth_year, diagnosis, grade_scale, grade, created_at, updated_at)
SELECT md5('patient' || n)::uuid, '{CLINIC}', 'Patient ' || n, 'B-' || n,
    (ARRAY['exosomes', 'prp', 'microneedling', 'combination'])[1 + n % 4], 4, 30,
    DATE '{TODAY.isoformat()}' - (120 + n % 400), 'UTC', '18:00', '21:00', '08:00', true, true, n % 10 <> 0,
    (ARRAY['female', 'male', 'male', 'other', 'unknown'])[1 + n % 5], 1950 + n % 50,
    (ARRAY['androgenetic_alopecia', 'telogen_effluvium', 'alopecia_areata', 'other'])[1 + n % 4],
    CASE WHEN n % 3 = 0 THEN 'ludwig' ELSE 'norwood_hamilton' END,
    CASE WHEN n % 3 = 0 THEN 1 + n % 3 ELSE 1 + n % 7 END, now(), now()
FROM generate_series(1, {patients}) AS n;
INSERT INTO injection_session (id, patient_id, clinic_id, status, scheduled_at, performed_at, treatment, product,
    lot_number, areas, notes, created_at, updated_at)
SELECT md5('session' || p.record_number || k)::uuid, p.id, p.clinic_id, 'done',
    p.baseline_date + 7 + 30 * k + TIME '10:00', p.baseline_date + 7 + 30 * k + TIME '10:00', p.treatment,
    'Product ' || p.treatment, 'LOT-' || (abs(hashtext(p.record_number)) + k) % 12, '[]', '', now(), now()
FROM patient p, generate_series(0, 2) AS k;
INSERT INTO rating_consensus (id, clinic_id, round_id, patient_id, view, month, score, raters, updated_at)
SELECT md5('rating' || p.record_number || v.view || m.month)::uuid, p.clinic_id, '00000000-0000-0000-0000-0000000a0002',
    p.id, v.view, m.month, ((abs(hashtext(p.record_number || v.view || m.month)) % 13) - 6) / 2.0, 2, now()
FROM patient p, (VALUES ('frontal'), ('vertex'), ('crown')) AS v(view), (VALUES (3), (6), (12)) AS m(month);
INSERT INTO rating_consensus (id, clinic_id, round_id, patient_id, view, month, score, raters, updated_at)
SELECT md5('older' || p.record_number)::uuid, p.clinic_id, '00000000-0000-0000-0000-0000000a0001', p.id, 'frontal', 6,
    ((abs(hashtext('older' || p.record_number)) % 13) - 6) / 2.0, 2, now()
FROM patient p;
INSERT INTO checkin (id, patient_id, month, due_on, views, status, completed_at, created_at)
SELECT md5('checkin' || p.record_number || m)::uuid, p.id, m, p.baseline_date + 30 * m, '[]',
    CASE WHEN abs(hashtext(p.record_number || m)) % 10 < 8 THEN 'complete' ELSE 'open' END, now(), now()
FROM patient p, generate_series(0, 5) AS m;
INSERT INTO side_effect_report (id, clinic_id, patient_id, injection_session_id, idempotency_key, request_sha256,
    started_on, notes, needed_medical_care, max_severity, serious, submitted_at)
SELECT md5('report' || s.id::text)::uuid, s.clinic_id, s.patient_id, s.id, md5('key' || s.id::text)::uuid, '',
    CAST(s.performed_at AS DATE) + abs(hashtext(s.id::text)) % 40, '', false, 1 + abs(hashtext(s.id::text)) % 3,
    abs(hashtext(s.id::text)) % 3 = 2, s.performed_at + interval '2 days'
FROM injection_session s WHERE abs(hashtext(s.id::text)) % 5 = 0;
INSERT INTO side_effect_symptom (report_id, symptom, severity)
SELECT r.id, (ARRAY['pain', 'redness', 'swelling', 'itching'])[1 + abs(hashtext(r.id::text)) % 4], r.max_severity
FROM side_effect_report r;
INSERT INTO questionnaire_response (id, clinic_id, patient_id, idempotency_key, request_sha256, version,
    occasion_month, answered_at)
SELECT md5('response' || p.record_number || m)::uuid, p.clinic_id, p.id, md5('qkey' || p.record_number || m)::uuid, '', 1, m, now()
FROM patient p, (VALUES (0), (6)) AS o(m);
INSERT INTO questionnaire_answer (response_id, question, value)
SELECT r.id, q.question, (abs(hashtext(r.id::text || q.question)) % 7) - 3
FROM questionnaire_response r, (VALUES ('appearance'), ('growth')) AS q(question)
WHERE r.occasion_month > 0 OR q.question = 'appearance';
ANALYZE;
"""


async def seed_clinic() -> None:
    """The clinic and its two rating rounds through the models (their defaults fill new columns)."""
    from datetime import UTC, datetime, timedelta

    from backend.clinics.models import Clinic
    from backend.ratings.models import RatingRound

    await Clinic.create(id=CLINIC, name="Bench Clinic", protocol_views=[], injection_reminder_hours=[72, 24, 2])
    await RatingRound.create(id=OLD_ROUND, clinic_id=CLINIC, name="Spring", months=[3, 6], views=[], status="closed")
    await RatingRound.create(id=NEW_ROUND, clinic_id=CLINIC, name="Autumn", months=[3, 6, 12], views=[], status="closed")
    await RatingRound.filter(id=OLD_ROUND).update(created_at=datetime.now(UTC) - timedelta(days=90))


async def count_star() -> tuple[float, int]:
    started = time.perf_counter()
    rows = await connection().execute_query_dict("SELECT count(*) AS n FROM rating_consensus")
    return time.perf_counter() - started, int(rows[0]["n"])


async def whole_clinic() -> tuple[float, int, object]:
    import uuid

    where = filters.parse()
    with QueryCounter() as counter:
        started = time.perf_counter()
        data = await queries.aggregates(uuid.UUID(CLINIC), where, TODAY)
        result = service.build(data, where)
        elapsed = time.perf_counter() - started
    return elapsed, counter.count, result


async def table_sizes() -> dict[str, int]:
    sizes = {}
    for table in ("patient", "rating_consensus", "injection_session", "checkin", "side_effect_report", "questionnaire_answer"):
        rows = await connection().execute_query_dict(f'SELECT count(*) AS n FROM "{table}"')
        sizes[table] = int(rows[0]["n"])
    return sizes


async def seeded(url: str, patients: int) -> bool:
    """The database already holds this benchmark's clinic with `patients` patients."""
    try:
        db = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    except (asyncpg.InvalidCatalogNameError, OSError):
        return False
    try:
        if not await db.fetchval("SELECT to_regclass('public.patient') IS NOT NULL"):
            return False
        found = await db.fetchval("SELECT count(*) FROM patient WHERE clinic_id = $1::uuid", CLINIC)
        return int(found) == patients
    finally:
        await db.close()


async def run(patients: int, url: str, runs: int, reuse: bool = False) -> dict[str, float]:
    fresh = not (reuse and await seeded(url, patients))
    if fresh:
        print(f"seeding {patients:,} patients into {url} ...", flush=True)
        await reset(url)
    else:
        print(f"reusing the {patients:,} patients already in {url} ...", flush=True)
        await apply_migrations(url)
    await connect(url)
    try:
        started = time.perf_counter()
        if fresh:
            await seed_clinic()
            await connection().execute_script(seed_sql(patients))
        sizes = await table_sizes()
        print(f"  {'loaded' if fresh else 'counted'} in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{t} {n:,}" for t, n in sizes.items()), flush=True)
        if fresh:
            # the bulk load went around the services that keep the outcome facts: work them out once
            started = time.perf_counter()
            await facts.rebuild(CLINIC)
            await connection().execute_script("ANALYZE outcome_patient; ANALYZE outcome_lot; ANALYZE outcome_symptom;")
            print(f"  outcome facts worked out in {time.perf_counter() - started:.1f} s", flush=True)
        await whole_clinic()  # warm the caches the same way for both
        await count_star()
        baseline, ours, statements = [], [], 0
        for _ in range(runs):
            elapsed, _n = await count_star()
            baseline.append(elapsed)
            elapsed, statements, result = await whole_clinic()
            ours.append(elapsed)
        base, mine = statistics.median(baseline), statistics.median(ours)
        print(
            f"whole clinic's outcomes ({result.patients:,} research-consented patients, {len(result.arms)} arms, "  # type: ignore[attr-defined]
            f"{len(result.lots)} lots): {mine * 1000:.0f} ms median of {runs}, {statements} SQL statements\n"  # type: ignore[attr-defined]
            f"  SELECT count(*) FROM rating_consensus ({sizes['rating_consensus']:,} rows): {base * 1000:.0f} ms\n"
            f"  outcomes / count(*): {mine / base:.1f}x; target: under 2 s ({'met' if mine < 2 else 'NOT met'})"
        )
        return {"outcomes_s": mine, "count_s": base, "ratio": mine / base, "statements": statements}
    finally:
        await close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure an already seeded database of the same size")
    args = parser.parse_args()
    asyncio.run(run(args.patients, args.database_url, args.runs, args.reuse))
    return 0


if __name__ == "__main__":
    sys.exit(main())
