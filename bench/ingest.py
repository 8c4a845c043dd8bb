"""Ingest benchmark: 20 simulated phones upload 200 photos of about 3 MB through the upload
protocol (slot, PUT to the presigned URL, complete), against plain boto3 put_object of the same
bytes to the same store with the same concurrency.

Target (DESIGN.md): the protocol takes at most 1.2x the time of the plain puts.

moto's S3 server and the API each run in a process of their own on loopback. Processing is
queued to Redis (a separate worker's job at scale, not part of ingest) when Redis answers at
FOLLICLE_BENCH_REDIS_URL (default redis://127.0.0.1:6379/0); otherwise it runs inside the API
process during the measurement, which the output says.

Run: `python bench/ingest.py [--phones 20] [--photos 200] [--rounds 2]`; `--tiny` sends a few small
photos, to check that it still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import httpx  # noqa: E402
from botocore.config import Config  # noqa: E402

from bench.servers import ACCESS_KEY, SECRET_KEY, api_server, moto_server, reset_postgres  # noqa: E402

TARGET = 1.2
BUCKET = "follicle-bench"
VIEWS = ["frontal", "vertex", "crown", "left_temple", "right_temple"]


def make_photos(count: int, megabytes: float) -> list[bytes]:
    """`count` different phone-like JPEGs of about `megabytes` each (12 MP, EXIF with GPS)."""
    from bench.photos import photo_jpeg

    photos = []
    for seed in range(count):
        quality = 80
        data = photo_jpeg(4032, 3024, seed=seed, quality=quality)
        while len(data) > megabytes * 1.1e6 and quality > 40:
            quality -= 8
            data = photo_jpeg(4032, 3024, seed=seed, quality=quality)
        photos.append(data)
    return photos


async def seed_patients(database_url: str, phones: int) -> list[str]:
    """A clinic with one enrolled patient per phone (baseline two months ago); their device tokens."""
    from backend.auth.service import create_clinic_with_admin
    from backend.app import connect
    from backend.db import apply_migrations, close_database
    from bench.clinic import add_patient, enrol

    await apply_migrations(database_url)
    await connect(database_url)
    try:
        clinic, _ = await create_clinic_with_admin("Bench clinic", f"bench-{uuid.uuid4().hex[:8]}@x.example", "Admin", "bench password 1")
        tokens = []
        for n in range(phones):
            patient = await add_patient(clinic.id, f"Phone {n}", f"B-{n:04d}")
            from backend.patients.models import Patient

            await Patient.filter(id=patient.id).update(baseline_date=date.today() - timedelta(days=62))
            tokens.append(await enrol(patient))
        return tokens
    finally:
        await close_database()


def plain_puts(endpoint: str, payloads: list[bytes], concurrency: int) -> float:
    """Seconds for boto3 put_object of every payload, `concurrency` at a time."""
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=concurrency),
    )

    def put(data: bytes) -> None:
        client.put_object(Bucket=BUCKET, Key=f"plain/{uuid.uuid4().hex}", Body=data, ContentType="image/jpeg")

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(put, payloads))
    return time.perf_counter() - started


async def protocol_uploads(base: str, tokens: list[str], payloads: list[bytes], month_offset: int) -> float:
    """Seconds for every payload through slot, PUT and complete, one task per phone."""
    per_phone = len(payloads) // len(tokens)
    digests = {id(p): hashlib.sha256(p).hexdigest() for p in payloads}

    async def phone(n: int, http: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        for i in range(per_phone):
            data = payloads[n * per_phone + i]
            body = {
                "checkin_month": month_offset + i // len(VIEWS), "view": VIEWS[i % len(VIEWS)],
                "sha256": digests[id(data)], "size": len(data), "content_type": "image/jpeg",
                "idempotency_key": str(uuid.uuid4()), "captured_at": datetime.now(UTC).isoformat(),
            }
            slot = await http.post(f"{base}/me/photos/slots", json=body, headers=headers)
            slot.raise_for_status()
            target = slot.json()["upload"]
            sent = await http.put(target["url"], content=data, headers=target["headers"])
            sent.raise_for_status()
            done = await http.post(f"{base}/me/photos/{slot.json()['photo_id']}/complete", headers=headers)
            done.raise_for_status()

    limits = httpx.Limits(max_connections=len(tokens) * 2, max_keepalive_connections=len(tokens) * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(phone(n, http) for n in range(len(tokens))))
        return time.perf_counter() - started


@dataclass
class Run:
    seconds: float
    store_cpu: float
    api_cpu: float
    client_cpu: float


def measure(store, api, work) -> Run:
    """Wall time of `work()` and the CPU time the store, the API and this process spent on it."""
    before = (store.cpu_seconds(), api.cpu_seconds(), time.process_time())
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    after = (store.cpu_seconds(), api.cpu_seconds(), time.process_time())
    return Run(seconds, *(b - a for a, b in zip(before, after)))


def put_and_read(endpoint: str, payloads: list[bytes], concurrency: int) -> float:
    """put_object then a ranged get_object of the first 64 kB of each payload: the store traffic
    a checked upload needs (complete reads no more; processing reads the rest later)."""
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=concurrency),
    )

    def put_and_get(data: bytes) -> None:
        key = f"plain/{uuid.uuid4().hex}"
        client.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg")
        client.get_object(Bucket=BUCKET, Key=key, Range="bytes=0-65535")["Body"].read()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(put_and_get, payloads))
    return time.perf_counter() - started


def redis_reachable(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=20)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--megabytes", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of each; the median is reported")
    parser.add_argument(
        "--database-url", default=os.environ.get("FOLLICLE_BENCH_DATABASE_URL", ""),
        help="a PostgreSQL database to use (emptied first); default: a fresh SQLite file",
    )
    parser.add_argument("--tiny", action="store_true", help="two phones, four small photos, one round")
    args = parser.parse_args()
    if args.tiny:
        args.phones, args.photos, args.megabytes, args.rounds = 2, 4, 0.3, 1
    per_phone = args.photos // args.phones
    photos = make_photos(min(per_phone, 10), args.megabytes)
    payloads = [photos[i % len(photos)] for i in range(args.phones * per_phone)]
    redis_url = os.environ.get("FOLLICLE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    queued = redis_reachable(redis_url)
    queue = f"follicle:bench:{uuid.uuid4().hex}"

    with tempfile.TemporaryDirectory() as work, moto_server() as store:
        endpoint = store.url
        database_url = args.database_url or f"sqlite://{work}/bench.sqlite3"
        if database_url.startswith("postgres"):
            asyncio.run(reset_postgres(database_url))
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ).create_bucket(Bucket=BUCKET)
        tokens = asyncio.run(seed_patients(database_url, args.phones))
        settings = {
            "database_url": database_url, "store": "s3", "s3_endpoint_url": endpoint, "s3_bucket": BUCKET,
            "s3_access_key_id": ACCESS_KEY, "s3_secret_access_key": SECRET_KEY, "s3_path_style": "true",
            "broker_url": redis_url if queued else "memory", "job_queue": queue, "photo_sweep_seconds": 0,
            "reminder_sweep_seconds": 0, "secret_key": "bench",
        }
        with api_server(settings, cwd=Path(work)) as api:
            # warm up both paths (connections, imports, first queries)
            plain_puts(endpoint, payloads[:5], 5)
            asyncio.run(protocol_uploads(api.url, tokens[:1], payloads[: len(VIEWS)], month_offset=2))
            runs: dict[str, list[Run]] = {"plain": [], "floor": [], "protocol": []}
            for _ in range(args.rounds):
                runs["plain"].append(measure(store, api, lambda: plain_puts(endpoint, payloads, args.phones)))
                runs["floor"].append(measure(store, api, lambda: put_and_read(endpoint, payloads, args.phones)))
                runs["protocol"].append(
                    measure(store, api, lambda: asyncio.run(protocol_uploads(api.url, tokens, payloads, month_offset=0)))
                )
        if queued:
            import redis

            redis.Redis.from_url(redis_url).delete(queue)

    size_mb = statistics.mean(len(p) for p in payloads) / 1e6
    median = {name: statistics.median(r.seconds for r in rs) for name, rs in runs.items()}
    ratio = median["protocol"] / median["plain"]
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"ingest: {args.phones} phones, {len(payloads)} photos of {size_mb:.1f} MB (moto S3 on loopback, {database}, {os.cpu_count()} CPUs)")
    print(f"  processing: {'queued to Redis (separate workers)' if queued else 'in the API process (no Redis)'}")
    labels = {
        "plain": "plain boto3 put_object",
        "floor": "put_object + get of the first 64 kB",
        "protocol": "slot + PUT + complete",
    }
    for name, label in labels.items():
        chosen = min(runs[name], key=lambda r: abs(r.seconds - median[name]))
        print(
            f"  {label:52s}: {median[name]:6.2f} s  rounds {', '.join(f'{r.seconds:.2f}' for r in runs[name])};"
            f" CPU s: store {chosen.store_cpu:.1f}, API {chosen.api_cpu:.1f}, clients {chosen.client_cpu:.1f}"
        )
    print(f"  ratio {ratio:.2f}x  (target <= {TARGET}x)  {'OK' if ratio <= TARGET else 'OVER TARGET'}")
    print(f"  floor set by the store's 64 kB head reads: {median['floor'] / median['plain']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
