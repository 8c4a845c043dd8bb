"""Rating benchmark: a round of 10,000 baseline/follow-up pairs with 3 raters (plus ~10% repeats:
33,000 presentations), on PostgreSQL.

Figures (server time, measured around the service call a request makes, without HTTP framing):
- "next pair" (`scoring.queue`: the pair to score and the one to preload, with fresh image links):
  median and p95, target under 20 ms each;
- "submit score" (`scoring.submit`: the score, the consensus kept in the same transaction, the
  audit event, and the next queue): median and p95, target under 20 ms each;
- the round's agreement (every score read in one statement, alpha, ICC(2,1), kappas, test-retest,
  2,000 bootstrap resamples): target under 2 s.
Each is also printed as a ratio to a baseline measured in the same run: one primary-key SELECT of a
task row (for the two requests) and reading the round's scores alone (for the agreement).

The database is dropped and made again: FOLLICLE_BENCH_DATABASE_URL or --database-url, default
postgres://postgres@127.0.0.1:5432/follicle_bench_ratings_main (a sqlite:// URL works for --tiny).

Run: `python bench/rating.py [--pairs 10000] [--raters 3] [--samples 300]`; `--tiny` for a quick run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/follicle_bench_ratings_main"
VIEWS = ("frontal", "vertex", "crown", "left_temple", "right_temple")
TARGET_MS = 20.0
TARGET_AGREEMENT_S = 2.0


async def reset(database_url: str) -> None:
    if database_url.startswith("sqlite://"):
        Path(database_url.removeprefix("sqlite://")).unlink(missing_ok=True)
        return
    import asyncpg

    name = database_url.rsplit("/", 1)[1]
    if not name.startswith("follicle_bench_ratings"):
        raise SystemExit("the rating benchmark only drops databases named follicle_bench_ratings*")
    admin = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def seed(pairs: int, raters: int):
    """A clinic, `raters` clinicians, and pairs / 5 research-consented patients with ready photos
    of the five views at months 0 and 3; the round drawn through the real service."""
    from backend.auth.principal import StaffPrincipal
    from backend.checkins.models import CheckIn
    from backend.photos.models import Photo
    from backend.clinics.models import Clinic, StaffUser
    from backend.patients.models import Patient
    from backend.ratings import rounds
    from shared.contract.auth import StaffRole
    from shared.contract.checkins import PhotoStatus
    from shared.contract.patients import Treatment
    from shared.contract.ratings import RoundCreate

    clinic = await Clinic.create(name="Bench clinic", protocol_views=list(VIEWS))
    staff = [
        await StaffUser.create(clinic=clinic, email=f"rater{i}@bench.example", name=f"Rater {i}", role=StaffRole.ADMIN if i == 0 else StaffRole.CLINICIAN, password_hash="-")
        for i in range(raters + 1)
    ]
    principals = [
        StaffPrincipal(staff_id=s.id, clinic_id=clinic.id, role=StaffRole(s.role), session_id=uuid.uuid4(), name=s.name, email=s.email, csrf_token="", via_cookie=False)
        for s in staff
    ]
    patients = [
        Patient(id=uuid.uuid4(), clinic_id=clinic.id, display_name=f"Patient {i}", record_number=f"B-{i:06d}", treatment=Treatment.EXOSOMES,
                planned_sessions=4, interval_days=30, baseline_date=date(2026, 1, 1), consent_research=True)
        for i in range(max(1, pairs // len(VIEWS)))
    ]
    await Patient.bulk_create(patients, batch_size=2000)
    checkins, photos = [], []
    now = datetime.now(UTC)
    for patient in patients:
        for month in (0, 3):
            checkin = CheckIn(id=uuid.uuid4(), patient_id=patient.id, month=month, due_on=date(2026, 1 + month, 1), views=list(VIEWS))
            checkins.append(checkin)
            photos += [
                Photo(id=uuid.uuid4(), patient_id=patient.id, checkin_id=checkin.id, view=view, idempotency_key=uuid.uuid4(),
                      storage_token=secrets.token_hex(16), status=PhotoStatus.READY, content_type="image/jpeg", sha256="0" * 64,
                      size=1, captured_at=now, slot_issued_at=now)
                for view in VIEWS
            ]
    await CheckIn.bulk_create(checkins, batch_size=2000)
    await Photo.bulk_create(photos, batch_size=2000)
    started = time.perf_counter()
    made = await rounds.create_round(
        principals[0], RoundCreate(name="Bench round", months=[3], rater_ids=[s.id for s in staff[1:]])
    )
    return made.id, principals[1:], time.perf_counter() - started


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


async def measure(round_id: uuid.UUID, raters: list, samples: int) -> dict[str, object]:
    from backend.ratings import agreement, scoring
    from backend.ratings.models import RatingRound, RatingScore, RatingTask
    from shared.contract.ratings import ScoreSubmit

    ctx = scoring.RatingContext(secret="bench", public_url="http://127.0.0.1:8100", link_seconds=300)
    rng = random.Random(7)
    first = raters[0]
    some_task = await RatingTask.filter(round_id=round_id).first()
    baseline = []
    for _ in range(samples):
        started = time.perf_counter()
        await RatingTask.get(id=some_task.id)
        baseline.append(time.perf_counter() - started)
    next_pair = []
    for _ in range(samples):
        started = time.perf_counter()
        answer = await scoring.queue(first, round_id, ctx, uuid.uuid4())
        next_pair.append(time.perf_counter() - started)
    submit = []
    sitting = uuid.uuid4()
    for _ in range(samples):
        token = answer.pair.token
        started = time.perf_counter()
        answer = await scoring.submit(first, round_id, token, ScoreSubmit(score=rng.randint(-3, 3), sitting=sitting, seconds_taken=4.0), ctx)
        submit.append(time.perf_counter() - started)
    from backend.db import QueryCounter

    with QueryCounter() as counted:  # round trips of one more of each
        answer = await scoring.submit(first, round_id, answer.pair.token, ScoreSubmit(score=1, sitting=sitting), ctx)
        submit_statements = counted.count
        await scoring.queue(first, round_id, ctx, sitting)
        queue_statements = counted.count - submit_statements

    # every other presentation scored at once (setup, not measured): raters agree within a point
    seats = {}
    rows = []
    tasks = await RatingTask.filter(round_id=round_id, done=False).select_related("rater").values_list("id", "pair_id", "rater_id", "baseline_left", "repeat")
    truth: dict[object, int] = {}
    for task_id, pair_id, rater_id, left, repeat in tasks:
        value = max(-3, min(3, truth.setdefault(pair_id, rng.randint(-2, 3)) + rng.choice((-1, 0, 0, 0, 1))))
        seats[rater_id] = seats.get(rater_id, 0) + 1
        rows.append(RatingScore(task_id=task_id, pair_id=pair_id, rater_id=rater_id, score=value, baseline_left=left, repeat=repeat))
    await RatingScore.bulk_create(rows, batch_size=5000)

    rating_round = await RatingRound.get(id=round_id)
    scores = await agreement.load(rating_round)
    agreement.compute(round_id, rating_round.name, rating_round.status, scores)  # imports pingouin, warms up
    reads, computed = [], []
    for _ in range(3):
        started = time.perf_counter()
        scores = await agreement.load(rating_round)
        loaded = time.perf_counter()
        figures = agreement.compute(round_id, rating_round.name, rating_round.status, scores)
        reads.append(loaded - started)
        computed.append(time.perf_counter() - started)
    return {
        "baseline": _ms(baseline), "next_pair": _ms(next_pair), "submit": _ms(submit),
        "statements": {"next_pair": queue_statements, "submit": submit_statements},
        "load": statistics.median(reads), "agreement": statistics.median(computed), "figures": figures,
    }


async def run(database_url: str, pairs: int, raters: int, samples: int) -> dict[str, object]:
    from backend.app import connect
    from backend.db import apply_migrations, close_database

    await reset(database_url)
    await apply_migrations(database_url)
    await connect(database_url)
    try:
        round_id, principals, drawn = await seed(pairs, raters)
        result = await measure(round_id, principals, samples)
        result["drawn"] = drawn
        return result
    finally:
        await close_database()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("FOLLICLE_BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--raters", type=int, default=3)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--tiny", action="store_true", help="40 pairs, 2 raters, 20 samples: checks the benchmark runs")
    args = parser.parse_args(argv)
    if args.tiny:
        args.pairs, args.raters, args.samples = 40, 2, 20
    result = asyncio.run(run(args.database_url, args.pairs, args.raters, args.samples))
    base_median, base_p95 = result["baseline"]
    figures = result["figures"]
    print(f"rating round: {figures.overall.pairs} pairs rated, {len(figures.raters)} raters, {figures.scores} scores ({args.database_url.split('://')[0]})")
    print(f"  drawing the round (pairs and every queue)  : {result['drawn']:.2f} s")
    print(f"  baseline: one task row by primary key      : {base_median:6.2f} ms median, p95 {base_p95:6.2f} ms")
    for label, key in (("next pair", "next_pair"), ("submit score", "submit")):
        median, p95 = result[key]
        verdict = "met" if max(median, p95) < TARGET_MS else "NOT met"
        print(f"  {label:<42} : {median:6.2f} ms median ({median / base_median:4.1f}x baseline), p95 {p95:6.2f} ms  [target < {TARGET_MS:.0f} ms: {verdict}], {result['statements'][key]} statement(s)")
    verdict = "met" if result["agreement"] < TARGET_AGREEMENT_S else "NOT met"
    print(f"  agreement (read + statistics)              : {result['agreement']:6.2f} s ({result['agreement'] / result['load']:4.1f}x reading the scores alone, {result['load']:.2f} s)  [target < {TARGET_AGREEMENT_S:.0f} s: {verdict}]")
    print(f"  alpha {figures.overall.alpha.value:.3f}, ICC(2,1) {figures.overall.icc.value:.3f}")
    print(f"  load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
