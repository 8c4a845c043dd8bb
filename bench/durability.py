"""Durability benchmark: the durability section (its seven statements, the figures and the
disclosure-control layer) for the demo clinic's research patients, timed against the outcomes
page's own figures (its five statements and statistics) in the same run, on the same database.

Target (DESIGN.md, outcomes and lot pages under 300 ms for the demo clinic): the section under
300 ms. Run: `python bench/durability.py` (the demo's 200 + 80 research patients, 7 runs),
`python bench/durability.py --tiny` (the 80 long-term patients, 1 run: what `make test` runs so the
bench never rots). A SQLite database in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 300
TODAY = date(2026, 12, 7)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (median reported)")
    parser.add_argument("--tiny", action="store_true", help="the long-term cohort only, 1 run")
    args = parser.parse_args()
    if args.tiny:
        args.runs = 1

    from backend.auth.service import create_clinic_with_admin
    from backend.db import apply_migrations, close_database, open_database
    from backend.disclosure import policy_for_clinic
    from backend.longterm import disclosure, service
    from backend.longterm.demo import seed_longterm_cohort
    from backend.outcomes import filters, queries
    from backend.outcomes import service as outcomes
    from backend.outcomes.demo import seed_outcomes_cohort

    async def run() -> None:
        with tempfile.TemporaryDirectory(prefix="follicle-bench-durability-") as folder:
            database = f"sqlite://{folder}/bench.sqlite3"
            await apply_migrations(database)
            await open_database(database)
            try:
                clinic, _ = await create_clinic_with_admin("Bench Clinic", "bench@durability.example", "Dr Bench", "bench-password-1")
                patients = 0 if args.tiny else await seed_outcomes_cohort(clinic, today=TODAY)
                patients += await seed_longterm_cohort(clinic, today=TODAY)
                where = filters.parse()

                async def outcome_figures():
                    outcomes.build(await queries.aggregates(clinic.id, where, TODAY), where)

                async def durability_figures():
                    policy = await policy_for_clinic(clinic.id)
                    disclosure.disclose(await service.figures(clinic.id, where, TODAY), policy)

                async def median_ms(work) -> float:
                    await work()  # warm up: imports, statement caches
                    times = []
                    for _ in range(args.runs):
                        started = time.perf_counter()
                        await work()
                        times.append(time.perf_counter() - started)
                    return statistics.median(times) * 1000

                baseline = await median_ms(outcome_figures)
                section = await median_ms(durability_figures)
            finally:
                await close_database()
        print(f"{patients} research patients (SQLite), median of {args.runs} run(s)")
        print(f"  outcomes page figures (baseline)      {baseline:8.1f} ms   1.00x")
        print(f"  durability section, disclosed         {section:8.1f} ms   ratio {section / baseline:.2f}x")
        verdict = "met" if section < TARGET_MS else "MISSED"
        print(f"  target: the section under {TARGET_MS} ms: {verdict}")

    asyncio.run(run())


if __name__ == "__main__":
    main()
