"""Records benchmark: the progress report PDF and the FHIR bundle of a patient with a 36-month history
(180 photos, every one sent through the real upload protocol and processing), each timed against
processing one 12-megapixel photo in the same run, and the peak memory of a process that makes both.

Targets (issue 12): peak memory under 300 MB; times are reported as ratios to one photo's processing.
Run: `python bench/report.py` (36 months), `python bench/report.py --tiny` (2 months, one run: what
`make test` runs so the bench never rots). Everything lives in a temporary folder: a SQLite
database and the local photo store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MEMORY_TARGET_MB = 300

# Runs in a fresh interpreter: the peak RSS of a process that reads the history, draws the PDF and
# builds the FHIR bundle (VmHWM: this process's own high-water mark).
_MEMORY_PROBE = """
import asyncio, json, sys, uuid
sys.path.insert(0, {root!r})

def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

async def main():
    from backend.app import connect
    from backend.db import close_database
    from backend.records import fhir_export, history, progress_report
    from backend.records.pdf_kit import Paper
    from backend.records.report_pdf import Audience
    from backend.settings import Settings
    from backend.storage import build_store
    settings = Settings(database_url={database!r}, local_store_path={store!r}, public_url="http://bench.local")
    await connect(settings.database_url)
    store = build_store(settings)
    before = peak_kb()
    record = await history.load(uuid.UUID({patient!r}), clinic_id=uuid.UUID({clinic!r}))
    pdf = await progress_report.build(record, store, audience=Audience.STAFF, paper=Paper.A4)
    bundle = await fhir_export.bundle_json(record, store, settings)
    print(json.dumps({{"before_kb": before, "peak_kb": peak_kb(), "pdf": len(pdf), "bundle": len(bundle)}}))
    await store.close()
    await close_database()

asyncio.run(main())
"""


def months_ago(months: int) -> date:
    today = datetime.now(UTC).date()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


async def seed(settings, months: int) -> tuple[str, str, int]:
    """A clinic and a patient whose baseline was `months` ago, photographed every month through the
    real protocol, with a session given every six weeks and a side-effect report after the first."""
    from backend.auth.service import create_clinic_with_admin
    from backend.demo import photograph_months
    from backend.injections.models import InjectionSession
    from backend.patients.models import Patient
    from backend.reports.models import SideEffectReport, SideEffectSymptom
    from backend.storage import build_store
    from shared.contract.injections import SessionStatus
    from shared.contract.patients import Treatment

    clinic, _ = await create_clinic_with_admin("Bench Clinic", "bench@records.example", "Dr Bench", "bench-password-1")
    baseline = months_ago(months)
    patient = await Patient.create(
        clinic=clinic, display_name="Bench Patient", record_number="BENCH-1", treatment=Treatment.EXOSOMES,
        planned_sessions=max(1, months * 30 // 45), interval_days=45, baseline_date=baseline, timezone="Europe/London",
    )
    store = build_store(settings)
    try:
        await photograph_months(patient, range(months), store=store, settings=settings)
    finally:
        await store.close()
    sessions = []
    for n in range(max(1, months * 30 // 45)):
        when = datetime.combine(baseline, datetime.min.time(), UTC).replace(hour=10) + (n * 45) * (datetime(2000, 1, 2) - datetime(2000, 1, 1))
        sessions.append(
            await InjectionSession.create(
                patient=patient, clinic=clinic, status=SessionStatus.DONE, scheduled_at=when, performed_at=when,
                treatment=Treatment.EXOSOMES, product="ExoCell 5B", lot_number=f"EXO-{n:03d}", areas=["vertex"],
            )
        )
    report = await SideEffectReport.create(
        clinic=clinic, patient=patient, injection_session=sessions[0], idempotency_key=__import__("uuid").uuid4(),
        request_sha256="0" * 64, started_on=sessions[0].scheduled_at.date(), needed_medical_care=False, max_severity=2,
        serious=False, submitted_at=sessions[0].scheduled_at,
    )
    await SideEffectSymptom.create(report=report, symptom="swelling", severity=2)
    from backend.photos.models import Photo

    return str(clinic.id), str(patient.id), await Photo.filter(patient_id=patient.id, status="ready").count()


def median_seconds(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=36, help="months of history (5 photos each)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per figure (median reported)")
    parser.add_argument("--tiny", action="store_true", help="2 months, 1 run: a quick check that the bench works")
    args = parser.parse_args()
    if args.tiny:
        args.months, args.runs = 2, 1

    from backend.app import connect
    from backend.db import apply_migrations, close_database
    from backend.demo_photos import scalp_photo
    from backend.imaging import process_photo
    from backend.records import fhir_export, history, progress_report
    from backend.records.pdf_kit import Paper
    from backend.records.report_pdf import Audience
    from backend.settings import Settings
    from backend.storage import build_store

    with tempfile.TemporaryDirectory(prefix="follicle-bench-records-") as folder:
        database = f"sqlite://{folder}/bench.sqlite3"
        settings = Settings(database_url=database, local_store_path=f"{folder}/objects", public_url="http://bench.local")
        asyncio.run(apply_migrations(database))

        async def prepare():
            await connect(database)
            try:
                started = time.perf_counter()
                ids = await seed(settings, args.months)
                return ids, time.perf_counter() - started
            finally:
                await close_database()

        (clinic_id, patient_id, photos), seeded_in = asyncio.run(prepare())
        print(f"{args.months}-month history: {photos} photos sent through the upload protocol and processed in {seeded_in:.1f} s")

        # the reference: processing one 12-megapixel photo, in this process, this run
        twelve_mp = scalp_photo("vertex", 3, (4000, 3000))
        process_photo(twelve_mp)  # warm up
        one_photo = median_seconds(lambda: process_photo(twelve_mp), args.runs)

        loop = asyncio.new_event_loop()
        loop.run_until_complete(connect(database))
        store = build_store(settings)
        try:
            import uuid

            def load():
                return loop.run_until_complete(history.load(uuid.UUID(patient_id), clinic_id=uuid.UUID(clinic_id)))

            record = load()
            sizes = {}

            def make_pdf():
                sizes["pdf"] = len(loop.run_until_complete(progress_report.build(record, store, audience=Audience.STAFF, paper=Paper.A4)))

            def make_bundle():
                sizes["bundle"] = len(loop.run_until_complete(fhir_export.bundle_json(record, store, settings)))

            make_pdf(), make_bundle()  # warm up: fonts, imports
            reading = median_seconds(load, args.runs)
            pdf = median_seconds(make_pdf, args.runs)
            bundle = median_seconds(make_bundle, args.runs)
        finally:
            loop.run_until_complete(store.close())
            loop.run_until_complete(close_database())
            loop.close()

        probe = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE.format(root=str(ROOT), database=database, store=f"{folder}/objects", patient=patient_id, clinic=clinic_id)],
            capture_output=True, text=True, cwd=ROOT,
        )
        if probe.returncode != 0:
            sys.exit(f"the memory probe failed:\n{probe.stderr[-3000:]}")
        memory = json.loads(probe.stdout.strip().splitlines()[-1])

    peak_mb = memory["peak_kb"] / 1024
    print(f"median of {args.runs} run(s)")
    print(f"  process one 12 MP photo (reference)   {one_photo * 1000:8.1f} ms   1.00x")
    print(f"  read the history ({photos} photos)        {reading * 1000:8.1f} ms   ratio {reading / one_photo:.2f}x")
    print(f"  progress report PDF                   {pdf * 1000:8.1f} ms   ratio {pdf / one_photo:.2f}x   {sizes['pdf'] / 1e6:.2f} MB")
    print(f"  FHIR bundle                           {bundle * 1000:8.1f} ms   ratio {bundle / one_photo:.2f}x   {sizes['bundle'] / 1e6:.2f} MB")
    print(f"  peak RSS of a process making both     {peak_mb:8.1f} MB   (after imports {memory['before_kb'] / 1024:.1f} MB; target < {MEMORY_TARGET_MB} MB)")
    print(f"memory {'met' if peak_mb < MEMORY_TARGET_MB else 'MISSED'}")


if __name__ == "__main__":
    main()
