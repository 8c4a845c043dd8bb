"""Load benchmark: 200 phones each doing a full 5-view check-in at once, while staff open patients'
timelines, against the deployment at scale on loopback: `follicle serve --workers 2`, one
`follicle worker`, PostgreSQL, Redis (attempt limits and the job queue) and moto's S3 server.

Each phone does what the app does (mobile/services/upload_worker.py): it reads its check-ins to
learn the month that is due, then for each view in turn asks for an upload slot, PUTs the bytes to
the presigned S3 URL and calls complete; then it checks each photo until it is ready (the app's
backoff from 2 s, capped here at --poll-cap), and reads its check-ins again, which must show that
month complete. Photos are the app camera's own shot (1920 x 1080 JPEG, quality 92) unless
--width/--height say otherwise; every photo's bytes differ.

It passes only with zero errors (every answer 2xx, nothing raised), every photo ready, exactly one
photo per patient and view, one processing job queued per photo and none left unacknowledged, and
every check-in complete, all before --deadline. It prints p50/p95/p99 per route, photos per second
and the time from upload (complete accepted the bytes) to ready.

Run (PostgreSQL and Redis on 127.0.0.1, as on the project's machines; the database is created if
missing and emptied first):

    make install-dev && .venv/bin/python bench/load.py

Options: --database-url (default FOLLICLE_BENCH_DATABASE_URL or
postgres://postgres@127.0.0.1:5432/follicle_bench_load), --redis-url (default
FOLLICLE_BENCH_REDIS_URL or redis://127.0.0.1:6379/0; keys go under a fresh namespace, removed
afterwards), --phones, --staff, --deadline; `--tiny` runs six phones with small photos, to check
that it still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import httpx  # noqa: E402

from bench.servers import ACCESS_KEY, SECRET_KEY, Server, api_env, free_port, moto_server, reset_postgres  # noqa: E402

BUCKET = "follicle-load"
PROCESS_TASK = "photos.process"  # backend/photos/context.py
FIRST_CHECK_SECONDS = 2.0  # mobile/services/upload_worker.py: the app's first look after complete
MAX_TRIES = 5  # of one request whose connection broke before an answer


# --- photos ---------------------------------------------------------------------------------


def phone_photos(count: int, width: int, height: int, distinct: int) -> list[bytes]:
    """`count` photos whose bytes all differ: `distinct` scalp scenes (drawing one costs a fraction
    of a second), each copy made unique by a JPEG comment segment naming it, as cheap as a copy."""
    from bench.photos import photo_jpeg

    scenes = [photo_jpeg(width, height, seed=seed, quality=92) for seed in range(min(count, distinct))]
    photos = []
    for n in range(count):
        base = scenes[n % len(scenes)]
        note = f"load photo {n}".encode()
        photos.append(base[:2] + b"\xff\xfe" + struct.pack(">H", len(note) + 2) + note + base[2:])
    return photos


# --- the clinic ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clinic:
    device_tokens: list[str]
    patient_ids: list[str]
    staff_tokens: list[str]


async def seed_clinic(database_url: str, phones: int, staff: int) -> Clinic:
    """A clinic whose `phones` patients are enrolled with their baseline today (so the baseline
    check-in is due), and `staff` signed-in clinicians' API tokens."""
    from backend.auth.service import create_clinic_with_admin
    from backend.clinics.models import StaffUser
    from backend.app import connect
    from backend.db import apply_migrations, close_database
    from backend.patients.models import Patient
    from backend.security.passwords import hash_password
    from bench.clinic import add_patient, enrol, staff_token

    await apply_migrations(database_url)
    await connect(database_url)
    try:
        clinic, _ = await create_clinic_with_admin("Load clinic", "admin@load.example", "Admin", "load bench password")
        password_hash = hash_password("load bench password")
        emails = [f"clinician{n}@load.example" for n in range(staff)]
        for n, email in enumerate(emails):
            await StaffUser.create(clinic=clinic, email=email, name=f"Clinician {n}", role="clinician", password_hash=password_hash)
        tokens, ids = [], []
        for n in range(phones):
            patient = await add_patient(clinic.id, f"Load patient {n}", f"L-{n:05d}")
            await Patient.filter(id=patient.id).update(baseline_date=date.today())
            ids.append(str(patient.id))
            tokens.append(await enrol(patient))
        return Clinic(tokens, ids, [await staff_token(email) for email in emails])
    finally:
        await close_database()


# --- the deployment -----------------------------------------------------------------------------


def _follicle(*arguments: str) -> list[str]:
    """The `follicle` command `make install-dev` puts beside this Python (the CLI's main otherwise)."""
    command = Path(sys.executable).parent / "follicle"
    if command.exists():
        return [str(command), *arguments]
    return [sys.executable, "-c", "import sys; from backend.cli import main; sys.exit(main())", *arguments]


def _wait_for(condition, what: str, processes: list[subprocess.Popen], limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{what}: a process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {limit:.0f} s")
        time.sleep(0.2)


@contextlib.contextmanager
def deployment(settings: dict[str, object], *, api_workers: int, work: Path) -> Iterator[tuple[Server, dict[str, list[int]]]]:
    """`follicle serve --workers N` and one `follicle worker`, each logging to a file in `work`;
    the API's URL and the pids of each part's processes."""
    port = free_port()
    env = api_env({**settings, "host": "127.0.0.1", "port": port})
    env.pop("FOLLICLE_PUBLIC_URL", None)  # derived from host and port, as a user's would be
    api_log, worker_log = (work / "api.log").open("w"), (work / "worker.log").open("w")
    api = subprocess.Popen(_follicle("serve", "--workers", str(api_workers)), env=env, cwd=work,
                           stdout=api_log, stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen(_follicle("worker"), env=env, cwd=work, stdout=worker_log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        started = lambda: (work / "api.log").read_text().count("Application startup complete") >= api_workers  # noqa: E731
        _wait_for(started, "follicle serve", [api, worker])
        _wait_for(lambda: "taking jobs" in (work / "worker.log").read_text(), "follicle worker", [api, worker])
        httpx.get(base + "/health", timeout=10).raise_for_status()
        children = subprocess.run(["pgrep", "-P", str(api.pid)], capture_output=True, text=True).stdout.split()
        yield Server(base, api.pid), {"API": [api.pid, *map(int, children)], "job worker": [worker.pid]}
    finally:
        for process in (api, worker):
            process.terminate()
        for process in (api, worker):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        api_log.close()
        worker_log.close()


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# --- the load -----------------------------------------------------------------------------------


@dataclass
class Record:
    """Every request's route and seconds, and what went wrong."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    seen_ready: dict[str, float] = field(default_factory=dict)  # photo id -> when a phone saw it ready
    completed: dict[str, float] = field(default_factory=dict)  # photo id -> when complete answered
    uploaded: list[float] = field(default_factory=list)
    retried: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # broken connections, tried again

    async def call(self, http: httpx.AsyncClient, route: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        """One request; a connection that broke before any answer is tried again as the app does
        (`Offline` is transient there; every call here is idempotent), counted in `retried`.
        Any answer that is not 2xx, and a timeout, is an error."""
        for attempt in range(MAX_TRIES):
            started = time.perf_counter()
            try:
                answer = await http.request(method, url, **kwargs)
                break
            except httpx.TimeoutException as exc:
                self.errors.append(f"{route}: {type(exc).__name__} after {time.perf_counter() - started:.0f} s")
                return None
            except httpx.TransportError as exc:
                self.retried[f"{route}: {type(exc).__name__}"] += 1
                if attempt + 1 == MAX_TRIES:
                    self.errors.append(f"{route}: {type(exc).__name__} {MAX_TRIES} times: {exc}")
                    return None
                await asyncio.sleep(random.uniform(1, 2) * 2**attempt)
        self.seconds[route].append(time.perf_counter() - started)
        if answer.status_code >= 300:
            self.errors.append(f"{route}: HTTP {answer.status_code} {answer.text[:300]}")
            return None
        return answer


async def phone(n: int, base: str, token: str, photos: list[bytes], http: httpx.AsyncClient, record: Record,
                poll_cap: float) -> None:
    """One patient's phone through a whole check-in, as the app's upload worker makes it."""
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(n)
    checkins = await record.call(http, "GET /me/checkins", "GET", f"{base}/me/checkins", headers=headers)
    if checkins is None:
        return
    plan = checkins.json()
    month, views = plan["current_month"], plan["protocol_views"]
    if month is None:
        record.errors.append(f"phone {n}: no check-in is due")
        return
    photo_ids = []
    for view, data in zip(views, photos):
        body = {
            "checkin_month": month, "view": view, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "content_type": "image/jpeg", "idempotency_key": str(uuid.uuid4()), "captured_at": datetime.now(UTC).isoformat(),
        }
        slot = await record.call(http, "POST /me/photos/slots", "POST", f"{base}/me/photos/slots", json=body, headers=headers)
        if slot is None:
            return
        target, photo_id = slot.json()["upload"], slot.json()["photo_id"]
        if await record.call(http, "PUT presigned S3 URL", target["method"], target["url"], content=data,
                             headers=target["headers"]) is None:
            return
        done = await record.call(http, "POST /me/photos/{id}/complete", "POST", f"{base}/me/photos/{photo_id}/complete",
                                 headers=headers)
        if done is None:
            return
        record.completed[photo_id] = time.perf_counter()
        record.uploaded.append(time.perf_counter())
        photo_ids.append(photo_id)
        if done.json()["status"] == "ready":
            record.seen_ready[photo_id] = time.perf_counter()
    # the app looks again after 2 s, then backs off, doubling with jitter (capped here)
    waiting, attempt = [p for p in photo_ids if p not in record.seen_ready], 0
    await asyncio.sleep(FIRST_CHECK_SECONDS)
    while waiting:
        still = []
        for photo_id in waiting:
            answer = await record.call(http, "GET /me/photos/{id}", "GET", f"{base}/me/photos/{photo_id}", headers=headers)
            if answer is None:
                return
            status = answer.json()["status"]
            if status == "ready":
                record.seen_ready[photo_id] = time.perf_counter()
            elif status == "rejected":
                record.errors.append(f"phone {n}: photo {photo_id} rejected: {answer.json()['rejection']}")
                return
            else:
                still.append(photo_id)
        waiting, attempt = still, attempt + 1
        if waiting:
            ceiling = min(poll_cap, 2.0 * 2**attempt)
            await asyncio.sleep(ceiling / 2 + rng.uniform(0, ceiling / 2))
    after = await record.call(http, "GET /me/checkins", "GET", f"{base}/me/checkins", headers=headers)
    if after is not None and month not in after.json()["completed_months"]:
        record.errors.append(f"phone {n}: month {month} not complete after every photo was ready")


async def clinician(token: str, base: str, patient_ids: list[str], http: httpx.AsyncClient, record: Record,
                    stop: asyncio.Event, think: float, limit: int, seed: int) -> None:
    """A clinician at the dashboard's API: the patient list now and then, timelines in between."""
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(seed)
    for n in range(limit):
        if stop.is_set():
            return
        if n % 5 == 0:
            await record.call(http, "GET /patients", "GET", f"{base}/patients?limit=50", headers=headers)
        else:
            patient = rng.choice(patient_ids)
            await record.call(http, "GET /patients/{id}/timeline", "GET", f"{base}/patients/{patient}/timeline", headers=headers)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), think * rng.uniform(0.5, 1.5))


async def run_load(base: str, clinic: Clinic, photos: list[bytes], args: argparse.Namespace) -> tuple[Record, float]:
    record = Record()
    per_phone = len(photos) // len(clinic.device_tokens)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=len(clinic.device_tokens) + len(clinic.staff_tokens))
    async with httpx.AsyncClient(timeout=args.request_timeout, limits=limits) as http:
        stop = asyncio.Event()
        staff = [
            asyncio.create_task(clinician(token, base, clinic.patient_ids, http, record, stop, args.think, args.staff_requests, n))
            for n, token in enumerate(clinic.staff_tokens)
        ]
        started = time.perf_counter()
        phones = [
            phone(n, base, token, photos[n * per_phone:(n + 1) * per_phone], http, record, args.poll_cap)
            for n, token in enumerate(clinic.device_tokens)
        ]
        try:
            await asyncio.wait_for(asyncio.gather(*phones), args.deadline)
        except asyncio.TimeoutError:
            record.errors.append(f"not every phone finished within the deadline of {args.deadline:.0f} s")
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*staff)
    return record, elapsed


# --- what the system holds afterwards -----------------------------------------------------------


@dataclass
class Outcome:
    photos: int
    ready: int
    per_view: int  # distinct (check-in, view) pairs
    checkins_complete: int
    upload_to_ready: list[float]  # seconds, server-side: complete accepted -> processing committed
    processing_window: float  # seconds from the first upload accepted to the last photo processed
    jobs: int
    photos_with_jobs: int
    unacknowledged: int


async def outcome(database_url: str, redis_url: str, queue: str) -> Outcome:
    import asyncpg
    import redis.asyncio as redis

    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        counts = await conn.fetchrow(
            "SELECT count(*) AS photos, count(*) FILTER (WHERE status = 'ready') AS ready,"
            " count(DISTINCT (checkin_id, view)) AS per_view FROM photo"
        )
        complete = await conn.fetchval("SELECT count(*) FROM checkin WHERE status = 'complete'")
        window = await conn.fetchval(
            "SELECT extract(epoch FROM max(processed_at) - min(uploaded_at))::float FROM photo WHERE status = 'ready'"
        )
        waits = await conn.fetch(
            "SELECT extract(epoch FROM processed_at - uploaded_at)::float AS s FROM photo WHERE status = 'ready'"
        )
    finally:
        await conn.close()
    client = redis.Redis.from_url(redis_url)
    try:
        photo_ids = []
        for _, entry in await client.xrange(queue):
            message = json.loads(entry[b"data"])
            if message.get("task_name") == PROCESS_TASK:
                photo_ids.append(message["args"][0])
        pending = 0
        with contextlib.suppress(Exception):  # no group: nothing was ever taken
            pending = (await client.xpending(queue, "follicle-workers"))["pending"]
    finally:
        await client.aclose()
    return Outcome(
        counts["photos"], counts["ready"], counts["per_view"], complete, sorted(w["s"] for w in waits), window or float("nan"),
        len(photo_ids), len(set(photo_ids)), pending,
    )


async def forget(redis_url: str, namespace: str) -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


# --- figures ------------------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def report(args, record: Record, elapsed: float, result: Outcome, photos: list[bytes], cpu: dict[str, float], load: tuple) -> list[str]:
    size_mb = statistics.mean(len(p) for p in photos) / 1e6
    expected = len(photos)
    lines = [
        f"load: {args.phones} phones x {expected // args.phones} views at once ({args.width} x {args.height} JPEG,"
        f" {size_mb:.2f} MB), {args.staff} clinicians opening timelines;",
        f"  follicle serve --workers {args.api_workers}, 1 follicle worker, PostgreSQL, Redis, moto S3; loopback,"
        f" {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the start",
        "",
        f"  {'route':34s} {'requests':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}",
    ]
    for route in sorted(record.seconds):
        times = sorted(record.seconds[route])
        lines.append(
            f"  {route:34s} {len(times):8d} {percentile(times, 50) * 1e3:8.0f} {percentile(times, 95) * 1e3:8.0f}"
            f" {percentile(times, 99) * 1e3:8.0f} {times[-1] * 1e3:8.0f}"
        )
    ready_at = sorted(record.seen_ready.values())
    upload_window = (max(record.uploaded) - min(record.uploaded)) if len(record.uploaded) > 1 else float("nan")
    waits = result.upload_to_ready
    seen = sorted(record.seen_ready[p] - record.completed[p] for p in record.seen_ready if p in record.completed)
    lines += [
        "",
        f"  whole run: {elapsed:.1f} s; CPU-seconds: " + ", ".join(f"{part} {seconds:.0f}" for part, seconds in cpu.items()),
        f"  photos uploaded (complete accepted): {len(record.uploaded)} in {upload_window:.1f} s",
        f"  photos per second, first request to last photo seen ready by its phone: "
        f"{len(ready_at) / elapsed if ready_at else 0:.1f}",
        f"  photos processed per second, first upload accepted to last photo ready: "
        f"{result.ready / result.processing_window:.1f} ({result.ready} in {result.processing_window:.1f} s)",
        f"  upload to ready (server: complete accepted -> processed): p50 {percentile(waits, 50):.1f} s,"
        f" p95 {percentile(waits, 95):.1f} s, max {waits[-1] if waits else float('nan'):.1f} s",
        f"  upload to ready as the phones saw it (polling as the app does): p50 {percentile(seen, 50):.1f} s,"
        f" p95 {percentile(seen, 95):.1f} s",
        f"  photos: {result.photos} stored, {result.ready} ready, {result.per_view} distinct patient views"
        f" (expected {expected} of each); check-ins complete: {result.checkins_complete} of {args.phones}",
        f"  processing jobs queued: {result.jobs} for {result.photos_with_jobs} photos, {result.unacknowledged} unacknowledged",
        "  connections that broke before an answer, tried again as the app does: "
        + (", ".join(f"{k} x{v}" for k, v in sorted(record.retried.items())) or "none"),
        f"  errors: {len(record.errors)}",
    ]
    return lines


def failures(args, record: Record, result: Outcome, expected: int) -> list[str]:
    problems = list(record.errors[:20])
    if len(record.errors) > 20:
        problems.append(f"... and {len(record.errors) - 20} more errors")
    if not (result.photos == result.ready == result.per_view == expected):
        problems.append(f"expected {expected} photos, each ready, one per patient view: {result.photos} stored,"
                        f" {result.ready} ready, {result.per_view} distinct")
    if result.checkins_complete != args.phones:
        problems.append(f"{result.checkins_complete} of {args.phones} check-ins complete")
    if not (result.jobs == result.photos_with_jobs == expected) or result.unacknowledged:
        problems.append(f"processing jobs: {result.jobs} queued for {result.photos_with_jobs} photos,"
                        f" {result.unacknowledged} unacknowledged (expected one each for {expected})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--staff", type=int, default=10, help="clinicians opening timelines meanwhile")
    parser.add_argument("--think", type=float, default=1.0, help="a clinician's seconds between views (jittered)")
    parser.add_argument("--staff-requests", type=int, default=2000, help="at most this many views per clinician")
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--distinct", type=int, default=25, help="scenes drawn; copies differ by a comment")
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument("--poll-cap", type=float, default=32.0,
                        help="longest wait between a phone's status checks (the app's goes on doubling to 300)")
    parser.add_argument("--keep-logs", type=Path, default=None,
                        help="copy the API's and the worker's logs here (they are copied there on a failure anyway)")
    parser.add_argument("--deadline", type=float, default=1200.0, help="seconds for every phone to finish")
    parser.add_argument("--request-timeout", type=float, default=300.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FOLLICLE_BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/follicle_bench_load",
        help="a PostgreSQL database (created if missing, emptied first)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("FOLLICLE_BENCH_REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--tiny", action="store_true", help="six phones, two clinicians, small photos")
    args = parser.parse_args()
    if args.tiny:
        args.phones, args.staff, args.width, args.height, args.distinct, args.deadline = 6, 2, 480, 360, 3, 300.0
    if not args.database_url.startswith("postgres"):
        parser.error("several processes share the database: --database-url must be PostgreSQL")

    from shared.views import DEFAULT_PROTOCOL

    views = len(DEFAULT_PROTOCOL)
    photos = phone_photos(args.phones * views, args.width, args.height, args.distinct)
    namespace = f"follicle-load-{uuid.uuid4().hex[:12]}"
    queue = f"{namespace}:jobs"
    load = os.getloadavg()
    asyncio.run(reset_postgres(args.database_url))
    clinic = asyncio.run(seed_clinic(args.database_url, args.phones, args.staff))

    with tempfile.TemporaryDirectory() as folder, moto_server() as store:
        work = Path(folder)
        boto3.client(
            "s3", endpoint_url=store.url, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        ).create_bucket(Bucket=BUCKET)
        settings = {
            "database_url": args.database_url, "database_pool_size": 15, "data_dir": work / "data",
            "store": "s3", "s3_endpoint_url": store.url, "s3_bucket": BUCKET, "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY, "s3_path_style": "true",
            "redis_url": args.redis_url, "redis_namespace": namespace, "broker_url": args.redis_url, "job_queue": queue,
            "photo_sweep_seconds": 0, "reminder_sweep_seconds": 0, "records_sweep_seconds": 0, "email_sweep_seconds": 0,
            "secret_key": "load-" + uuid.uuid4().hex,
        }
        try:
            with deployment(settings, api_workers=args.api_workers, work=work) as (api, pids):
                pids["moto S3"] = [store.pid]
                before = {part: cpu_seconds(ids) for part, ids in pids.items()}
                before["load (this process)"] = time.process_time()
                record, elapsed = asyncio.run(run_load(api.url, clinic, photos, args))
                cpu = {part: cpu_seconds(ids) - before[part] for part, ids in pids.items()}
                cpu["load (this process)"] = time.process_time() - before["load (this process)"]
            result = asyncio.run(outcome(args.database_url, args.redis_url, queue))
            logs = {name: (work / name).read_text() for name in ("api.log", "worker.log")}

        finally:
            asyncio.run(forget(args.redis_url, namespace))

    print("\n".join(report(args, record, elapsed, result, photos, cpu, load)))
    problems = failures(args, record, result, len(photos))
    for name, text in logs.items():
        if "Traceback" in text:
            problems.append(f"{name} holds a traceback:\n" + text[text.index("Traceback"):][:2000])
    if problems or args.keep_logs:
        kept = args.keep_logs or Path(tempfile.gettempdir()) / namespace
        kept.mkdir(parents=True, exist_ok=True)
        for name, text in logs.items():
            (kept / name).write_text(text)
        print(f"  the API's and the worker's logs: {kept}")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("  OK: zero errors, every photo ready exactly once, every check-in complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
