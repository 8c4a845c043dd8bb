"""Timeline benchmark: requests per second of a staff member's GET /patients/{id}/timeline for a
patient with 36 monthly check-ins x 5 views and 24 injection sessions, on PostgreSQL, against a
bare Litestar endpoint answering the same Timeline (no middleware, no database) under the same load.

Target (DESIGN.md): at least 40% of the bare endpoint's throughput (and at most 3 SQL statements
per timeline, which tests/backend/checkins/test_timeline.py asserts). The staff timeline is
audited on every request (one insert) and its links are signed per minute, cached or not.

Both apps run in one uvicorn worker each, in processes of their own; the load generator keeps
`--connections` keep-alive connections busy. PostgreSQL: FOLLICLE_BENCH_DATABASE_URL or
--database-url (the database is emptied first), default postgres://postgres@127.0.0.1:5432/follicle_photos_bench.

Run: `python bench/timeline.py [--requests 2000] [--connections 16] [--rounds 2]`; `--tiny` runs a
few requests over three months of history (on SQLite too: `--database-url sqlite://...`), to
check that it still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.loadgen import requests_per_second  # noqa: E402
from bench.servers import ACCESS_KEY, SECRET_KEY, api_server, moto_server, reset_postgres  # noqa: E402

TARGET = 0.40
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/follicle_bench_timeline"


async def seed(database_url: str, months: int, injections: int) -> tuple[str, str, str]:
    """A clinic, a staff session and an enrolled patient with `months` of photos;
    (patient id, staff token, the patient's device token)."""
    from backend.clinics.models import Clinic, StaffUser
    from backend.app import connect
    from backend.db import apply_migrations, close_database
    from bench.clinic import add_patient, enrol, seed_history, staff_token
    from shared.contract.auth import StaffRole
    from shared.views import DEFAULT_PROTOCOL

    if database_url.startswith("postgres"):
        await reset_postgres(database_url)
    await apply_migrations(database_url)
    await connect(database_url)
    try:
        clinic = await Clinic.create(name="Bench clinic", protocol_views=[v.id.value for v in DEFAULT_PROTOCOL])
        await StaffUser.create(
            clinic=clinic, email="staff@bench.example", name="Bench clinician", role=StaffRole.CLINICIAN,
            password_hash="!",  # never signs in: the session is opened directly
        )
        token = await staff_token("staff@bench.example")
        patient = await add_patient(clinic.id, "Three Years", "B-0001")
        await seed_history(patient, months=months, injections=injections)
        return str(patient.id), token, await enrol(patient)
    finally:
        await close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("FOLLICLE_BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--tiny", action="store_true", help="a few requests over three months, to check it runs")
    args = parser.parse_args()
    months, injections, warm = 36, 24, 200
    if args.tiny:
        months, injections, warm = 3, 2, 5
        args.requests, args.connections, args.rounds = 20, 2, 1
    elif not args.database_url.startswith("postgres"):
        parser.error("the timeline benchmark runs on PostgreSQL (--tiny runs anywhere)")
    patient_id, token, device_token = asyncio.run(seed(args.database_url, months, injections))
    settings = {
        "database_url": args.database_url, "store": "s3", "s3_bucket": "follicle-bench",
        "s3_access_key_id": ACCESS_KEY, "s3_secret_access_key": SECRET_KEY, "s3_path_style": "true",
        "photo_sweep_seconds": 0, "reminder_sweep_seconds": 0, "secret_key": "bench",
    }
    headers = {"Authorization": f"Bearer {token}"}
    with tempfile.TemporaryDirectory() as work, moto_server() as store:
        # the store is only signed for (links), never called per request; it answers the health check
        import boto3

        boto3.client(
            "s3", endpoint_url=store.url, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ).create_bucket(Bucket="follicle-bench")
        settings["s3_endpoint_url"] = store.url
        with api_server(settings, cwd=Path(work)) as api:
            url = f"{api.url}/patients/{patient_id}/timeline"
            answer = httpx.get(url, headers=headers, timeout=30)
            answer.raise_for_status()
            body = answer.json()
            photos = sum(len(m["photos"]) for m in body["months"])
            payload = Path(work) / "timeline.json"
            payload.write_bytes(answer.content)
            with api_server({"bench_payload": payload}, cwd=Path(work), app_factory="bench.bare_app:create_app") as bare:
                # warm up both
                requests_per_second(url, headers=headers, requests=warm, connections=args.connections)
                requests_per_second(f"{bare.url}/timeline", requests=warm, connections=args.connections)
                ours, theirs, tiny, own = [], [], [], []
                mine = {"Authorization": f"Bearer {device_token}"}
                for _ in range(args.rounds):
                    ours.append(requests_per_second(url, headers=headers, requests=args.requests, connections=args.connections)[0])
                    own.append(requests_per_second(f"{api.url}/me/timeline", headers=mine, requests=args.requests, connections=args.connections)[0])
                    theirs.append(requests_per_second(f"{bare.url}/timeline", requests=args.requests, connections=args.connections)[0])
                    tiny.append(requests_per_second(f"{bare.url}/ok", requests=args.requests, connections=args.connections)[0])
    ours_rps, bare_rps, tiny_rps = statistics.median(ours), statistics.median(theirs), statistics.median(tiny)
    ratio = ours_rps / bare_rps
    print(
        f"timeline: {len(body['months'])} months x {len(body['views'])} views ({photos} photos, "
        f"{len(body['injections'])} injections), {len(answer.content) / 1024:.0f} kB JSON, "
        f"{'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}, {os.cpu_count()} CPUs"
    )
    print(f"  GET /patients/{{id}}/timeline (auth, version check, audit insert): {ours_rps:7.0f} req/s  rounds {', '.join(f'{r:.0f}' for r in ours)}")
    print(f"  GET /me/timeline, the patient's own (auth, version check)       : {statistics.median(own):7.0f} req/s")
    print(f"  bare Litestar endpoint, same Timeline                        : {bare_rps:7.0f} req/s  rounds {', '.join(f'{r:.0f}' for r in theirs)}")
    print(f"  bare Litestar endpoint, tiny JSON (reference)                : {tiny_rps:7.0f} req/s")
    print(f"  ratio {ratio:.0%} of the bare endpoint  (target >= {TARGET:.0%})  {'OK' if ratio >= TARGET else 'UNDER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
