"""Memory benchmark: 8 simultaneous 49-megapixel PNGs (each about 150 kB on the wire) and a
49-megapixel rotated JPEG completed at once, in both layouts:

- embedded: the API in its embedded default (SQLite, the local store, jobs in the API process);
- worker: the API with a Redis queue and one separate `follicle worker` that processes them;

while a phone keeps asking the API for its check-ins.

Prints the resident memory of the process that decodes (the API, or the worker) before the uploads,
its peak while processing them (target: under 1 GB for any process; the decode budget,
FOLLICLE_DECODE_BUDGET_PIXELS, makes the jobs take turns) and what it still holds once they are
done (memory given back after the burst), and how long the API's own requests took meanwhile,
against the same requests on the idle API measured in the same run.

Run: `python bench/memory.py [--photos 8] [--side 7000] [--layout both|embedded|worker]`; the worker
layout needs Redis (`--redis-url`, default redis://127.0.0.1:6379/0, a
queue of its own per run; $FOLLICLE_BENCH_REDIS_URL sets it too). `--tiny` sends two small ones, to check that it still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import statistics
import struct
import sys
import tempfile
import threading
import time
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.servers import api_server, worker_process  # noqa: E402

MEMORY_TARGET_MB = 1024
AFTER_BURST_SECONDS = 5


def big_png(side: int, shade: int) -> bytes:
    """A `side` x `side` RGB PNG of gentle stripes that compresses to a few hundred kB: a photo
    size no server should decode many of at once."""
    row = b"\x00" + bytes((shade + (x // 97) % 7) % 256 for x in range(side * 3))
    deflate = zlib.compressobj(9)
    parts = [deflate.compress(row * 500) for _ in range(side // 500)]
    parts += [deflate.compress(row * (side % 500)), deflate.flush()]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


async def seed(database_url: str, phones: int) -> list[str]:
    from backend.auth.service import create_clinic_with_admin
    from backend.app import connect
    from backend.db import apply_migrations, close_database
    from bench.clinic import add_patient, enrol

    await apply_migrations(database_url)
    await connect(database_url)
    try:
        clinic, _ = await create_clinic_with_admin("Bench clinic", "admin@bench.example", "Admin", "bench password 1")
        return [await enrol(await add_patient(clinic.id, f"Phone {n}", f"M-{n:03d}")) for n in range(phones)]
    finally:
        await close_database()


def memory_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


class Prober:
    """Asks the API for a phone's check-ins back to back in a thread and keeps each answer's time."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.headers = f"{url}/me/checkins", {"Authorization": f"Bearer {token}"}
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=120) as http:
            while not self._stop.is_set():
                started = time.perf_counter()
                http.get(self.url, headers=self.headers).raise_for_status()
                self.seconds.append(time.perf_counter() - started)
                time.sleep(0.02)

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def upload_all(url: str, tokens: list[str], photos: list[tuple[bytes, str]]) -> list[tuple[str, str]]:
    """Slot and PUT every photo, then complete them all at once; (token, photo id) of each."""
    async with httpx.AsyncClient(timeout=120) as http:

        async def slot_and_put(token: str, photo: tuple[bytes, str]) -> str:
            data, content_type = photo
            headers = {"Authorization": f"Bearer {token}"}
            body = {
                "checkin_month": 0, "view": "frontal", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                "content_type": content_type, "idempotency_key": str(uuid.uuid4()),
                "captured_at": datetime.now(UTC).isoformat(),
            }
            slot = (await http.post(f"{url}/me/photos/slots", json=body, headers=headers)).raise_for_status().json()
            target = slot["upload"]
            (await http.put(target["url"], content=data, headers=target["headers"])).raise_for_status()
            return slot["photo_id"]

        ids = await asyncio.gather(*(slot_and_put(t, p) for t, p in zip(tokens, photos, strict=True)))

        async def complete(token: str, photo_id: str) -> None:
            headers = {"Authorization": f"Bearer {token}"}
            (await http.post(f"{url}/me/photos/{photo_id}/complete", headers=headers)).raise_for_status()

        await asyncio.gather(*(complete(t, i) for t, i in zip(tokens, ids, strict=True)))
        return list(zip(tokens, ids, strict=True))


def wait_processed(url: str, photos: list[tuple[str, str]], limit: float) -> list[str]:
    deadline = time.monotonic() + limit
    with httpx.Client(timeout=60) as http:
        while True:
            states = [
                http.get(f"{url}/me/photos/{photo_id}", headers={"Authorization": f"Bearer {token}"}).json()["status"]
                for token, photo_id in photos
            ]
            if all(state in ("ready", "rejected") for state in states) or time.monotonic() > deadline:
                return states
            time.sleep(0.5)


@dataclass
class LayoutRun:
    layout: str
    states: list[str]
    seconds: float
    before_mb: float
    peak_mb: float
    after_mb: float
    idle_ms: float
    busy_median_ms: float
    busy_max_ms: float
    probes: int


def run_layout(layout: str, photos: list[tuple[bytes, str]], redis_url: str) -> LayoutRun:
    """One layout in a fresh data folder: the photos completed at once, the decoding process watched."""
    with tempfile.TemporaryDirectory(prefix=f"follicle-memory-bench-{layout}-") as work:
        database_url = f"sqlite://{work}/bench.sqlite3"
        tokens = asyncio.run(seed(database_url, len(photos) + 1))
        settings: dict[str, object] = {
            "database_url": database_url, "store": "local", "local_store_path": f"{work}/objects",
            "photo_sweep_seconds": 0, "reminder_sweep_seconds": 0, "records_sweep_seconds": 0,
            "email_sweep_seconds": 0, "secret_key": "bench",
        }
        if layout == "worker":
            settings |= {"broker_url": redis_url, "job_queue": f"follicle:bench-memory:{uuid.uuid4().hex}"}
        with contextlib.ExitStack() as running:
            api = running.enter_context(api_server(settings, cwd=Path(work)))
            decoder = api
            if layout == "worker":
                decoder = running.enter_context(
                    worker_process({**settings, "public_url": api.url}, cwd=Path(work), log=Path(work) / "worker.log")
                )
            with Prober(api.url, tokens[-1]) as idle:
                time.sleep(3)
            before_mb = memory_kb(decoder.pid, "VmRSS") / 1024
            started = time.perf_counter()
            with Prober(api.url, tokens[-1]) as busy:
                sent = asyncio.run(upload_all(api.url, tokens[:-1], photos))
                states = wait_processed(api.url, sent, limit=1800)
            elapsed = time.perf_counter() - started
            peak_mb = memory_kb(decoder.pid, "VmHWM") / 1024
            time.sleep(AFTER_BURST_SECONDS)
            after_mb = memory_kb(decoder.pid, "VmRSS") / 1024
    return LayoutRun(
        layout, states, elapsed, before_mb, peak_mb, after_mb, statistics.median(idle.seconds) * 1000,
        statistics.median(busy.seconds) * 1000, max(busy.seconds) * 1000, len(busy.seconds),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=8, help="PNG bombs (a rotated JPEG of the same size joins them)")
    parser.add_argument("--side", type=int, default=7000, help="each PNG is side x side pixels")
    parser.add_argument("--layout", choices=("both", "embedded", "worker"), default="both")
    parser.add_argument(
        "--redis-url", default=os.environ.get("FOLLICLE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the worker layout's queue ('' runs the embedded layout only)",
    )
    parser.add_argument("--tiny", action="store_true", help="two 1,500 x 1,500 PNGs, to check it runs")
    args = parser.parse_args()
    if args.tiny:
        args.photos, args.side = 2, 1500
    from bench.photos import photo_jpeg

    pngs = [(big_png(args.side, 40 + 20 * n), "image/png") for n in range(args.photos)]
    # the same pixels as a phone's rotated JPEG: stored 90 degrees turned, EXIF orientation 6
    width, height = (args.side * 8 // 7 // 16 * 16, args.side * 6 // 7 // 16 * 16)
    rotated = (photo_jpeg(width, height, orientation=6, quality=85), "image/jpeg")
    photos = [*pngs, rotated]
    layouts = ("embedded", "worker") if args.layout == "both" else (args.layout,)
    if not args.redis_url and "worker" in layouts:
        print("memory: no Redis (--redis-url ''): the worker layout is left out")
        layouts = tuple(layout for layout in layouts if layout != "worker")
    runs = [run_layout(layout, photos, args.redis_url) for layout in layouts]

    print(
        f"memory: {args.photos} PNGs of {args.side} x {args.side} ({args.side * args.side / 1e6:.0f} megapixels, "
        f"{statistics.mean(len(p) for p, _ in pngs) / 1e3:.0f} kB each) and one rotated {width} x {height} JPEG "
        f"({width * height / 1e6:.0f} megapixels, {len(rotated[0]) / 1e6:.1f} MB) completed at once"
    )
    ok = True
    for run in runs:
        who = "API (jobs inside)" if run.layout == "embedded" else "worker process  "
        print(f"  {run.layout:8}: photos: {', '.join(sorted(set(run.states)))} after {run.seconds:.1f} s")
        print(
            f"    {who} resident memory before {run.before_mb:6.0f} MB, peak {run.peak_mb:6.0f} MB "
            f"(target < {MEMORY_TARGET_MB} MB) {'OK' if run.peak_mb < MEMORY_TARGET_MB else 'OVER TARGET'}, "
            f"{AFTER_BURST_SECONDS} s after the burst {run.after_mb:6.0f} MB"
        )
        print(
            f"    GET /me/checkins idle median {run.idle_ms:6.1f} ms; while processing median {run.busy_median_ms:6.1f} ms, "
            f"slowest {run.busy_max_ms:7.1f} ms ({run.probes} requests), {run.busy_median_ms / run.idle_ms:.1f}x the idle median"
        )
        ok = ok and all(state == "ready" for state in run.states)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
