"""Processes the API benchmarks measure against: moto's S3 server and the Follicle API (uvicorn),
each in a process of its own on loopback, as in production where they are separate machines."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ACCESS_KEY = "bench"
SECRET_KEY = "bench-secret"


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time this process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=1)
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def moto_server() -> Iterator[Server]:
    """moto's S3 server in its own process."""
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(endpoint, process)
        yield Server(endpoint, process.pid)
    finally:
        process.terminate()
        process.wait()


def api_env(values: dict[str, object]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLICLE_")}
    env.update({f"FOLLICLE_{k.upper()}": str(v) for k, v in values.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


@contextlib.contextmanager
def api_server(settings: dict[str, object], *, cwd: Path, app_factory: str = "backend.app:create_app") -> Iterator[Server]:
    """The API (one uvicorn worker, uvloop and httptools as `follicle serve` gets them) in its own
    process, configured from FOLLICLE_* variables."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", app_factory, "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        env=api_env({**settings, "public_url": f"http://127.0.0.1:{port}"}), cwd=cwd,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base + "/health", process)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        process.wait()


async def reset_postgres(url: str) -> None:
    """Empty the benchmark's database (created first if it does not exist)."""
    import asyncpg

    url = url.replace("postgres://", "postgresql://", 1)
    base, _, name = url.rpartition("/")
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(f"{base}/postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@contextlib.contextmanager
def worker_process(settings: dict[str, object], *, cwd: Path, log: Path) -> Iterator[Server]:
    """`follicle worker` (jobs from the Redis queue) in its own process, once it takes jobs."""
    out = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "worker"], env=api_env(settings), cwd=cwd, stdout=out,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while "taking jobs" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"follicle worker did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield Server("", process.pid)
    finally:
        process.terminate()
        process.wait()
        out.close()
